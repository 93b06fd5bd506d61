import { readFile, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** The models cache: `$GANTRY_CACHE_DIR/models`, else `$XDG_CACHE_HOME/gantry/models`, else `~/.cache/gantry/models`. */
export function defaultModelCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const root = env["GANTRY_CACHE_DIR"];
  if (root !== undefined && root !== "") return join(root, "models");
  const xdg = env["XDG_CACHE_HOME"];
  return join(xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".cache"), "gantry", "models");
}

/**
 * Where a URL's file lives in the cache: `<cacheDir>/<host>/<path>`, each segment made filesystem-safe. Naming the
 * file ourselves lets node-llama-cpp find it on a later start without asking the server (which may be unreachable).
 */
export function cachedUrlPath(cacheDir: string, url: string): { readonly directory: string; readonly fileName: string } {
  const parsed = new URL(url);
  const segments = parsed.pathname.split("/").filter((segment) => segment !== "").map(safeSegment);
  const fileName = segments.pop() ?? "model.gguf";
  return { directory: join(cacheDir, safeSegment(parsed.host), ...segments), fileName };
}

interface VerifiedRecord {
  readonly sha256: string;
  readonly size: number;
  readonly mtime_ms: number;
}

/** The sha256 recorded when this exact file (same size and mtime) was last hashed, so big models are not re-read on each start. */
export async function readVerifiedSha256(file: string): Promise<string | undefined> {
  try {
    const record = JSON.parse(await readFile(`${file}.sha256.json`, "utf8")) as Partial<VerifiedRecord>;
    const stats = await stat(file);
    if (typeof record.sha256 === "string" && record.size === stats.size && record.mtime_ms === stats.mtimeMs) return record.sha256;
  } catch {
    // No record, a damaged one, or no file: the caller hashes the file.
  }
  return undefined;
}

/** Records a file's sha256 next to it, keyed by its size and mtime. */
export async function writeVerifiedSha256(file: string, sha256: string): Promise<void> {
  const stats = await stat(file);
  const record: VerifiedRecord = { sha256, size: stats.size, mtime_ms: stats.mtimeMs };
  await writeFile(`${file}.sha256.json`, `${JSON.stringify(record)}\n`);
}

function safeSegment(segment: string): string {
  const decoded = safeDecode(segment).replace(/[^\w.@+-]/g, "_");
  return decoded === "." || decoded === ".." || decoded === "" ? "_" : decoded;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
