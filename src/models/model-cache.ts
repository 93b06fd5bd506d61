import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** What Gantry remembers about a downloaded model file, stored next to it as `<file>.json`. */
export interface CachedModelRecord {
  readonly url: string;
  readonly sha256: string;
  readonly size: number;
  readonly downloaded_at: string;
}

/** The models cache: `$GANTRY_CACHE_DIR/models`, else `$XDG_CACHE_HOME/gantry/models`, else `~/.cache/gantry/models`. */
export function defaultModelCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const root = env["GANTRY_CACHE_DIR"];
  if (root !== undefined && root !== "") return join(root, "models");
  const xdg = env["XDG_CACHE_HOME"];
  return join(xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".cache"), "gantry", "models");
}

/** Where a URL's file lives in the cache: `<cacheDir>/<host>/<path>`, each segment made filesystem-safe. */
export function cachedModelPath(cacheDir: string, url: string): string {
  const parsed = new URL(url);
  const segments = parsed.pathname.split("/").filter((segment) => segment !== "").map(safeSegment);
  const host = safeSegment(parsed.host);
  const fileName = segments.pop() ?? "model.gguf";
  // A query string changes what the server sends, so it must change the cache key too.
  const suffix = parsed.search === "" ? "" : `-${createHash("sha256").update(parsed.search).digest("hex").slice(0, 8)}`;
  return join(cacheDir, host, ...segments, `${fileName}${suffix}`);
}

/** Reads the record of a cached file, if there is a readable one. */
export async function readCachedModelRecord(file: string): Promise<CachedModelRecord | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(`${file}.json`, "utf8"));
    if (parsed !== null && typeof parsed === "object" && typeof (parsed as CachedModelRecord).sha256 === "string") return parsed as CachedModelRecord;
  } catch {
    // No record (or a damaged one): the caller hashes the file instead.
  }
  return undefined;
}

/** Writes the record of a freshly downloaded file. */
export async function writeCachedModelRecord(file: string, record: CachedModelRecord): Promise<void> {
  await writeFile(`${file}.json`, `${JSON.stringify(record, null, 2)}\n`);
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
