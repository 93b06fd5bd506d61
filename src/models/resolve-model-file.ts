import { access, constants, rm } from "node:fs/promises";
import { resolveModelFile as resolveWithNodeLlamaCpp, type ResolveModelFileOptions } from "node-llama-cpp";
import { sha256OfFile } from "./hash-file.js";
import { defaultModelCacheDir, readVerifiedSha256, writeVerifiedSha256 } from "./model-cache.js";
import { ModelSourceError, parseModelSource } from "./model-source.js";

export interface ResolveModelOptions {
  /** Relative paths resolve here; default the process's working directory. */
  readonly baseDir?: string;
  /** Where downloads go; default {@link defaultModelCacheDir}. */
  readonly cacheDir?: string;
  readonly sha256?: string;
  /** Reads `HF_ENDPOINT`, `HF_TOKEN` and the cache variables; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** node-llama-cpp's progress bar on stdout; default when stdout is a terminal (logs and CI stay clean). */
  readonly showProgress?: boolean;
  readonly onProgress?: (downloadedBytes: number, totalBytes: number) => void;
  readonly signal?: AbortSignal;
}

/** A model file on local disk, and how it got there. */
export interface ResolvedModelFile {
  readonly path: string;
  readonly origin: "path" | "cache" | "download";
  /** Set when the file was checked against a configured sha256. */
  readonly sha256?: string;
}

const defaultHuggingFaceEndpoint = "https://huggingface.co/";
const probeTimeoutMs = 10_000;

/**
 * Turns a model reference (path, `hf:` URI or URL) into a local file. node-llama-cpp finds it in the cache or
 * downloads it (resume, split files, `HF_ENDPOINT`, tokens); the configured sha256 is checked afterwards.
 */
export async function resolveModelFile(spec: string, options: ResolveModelOptions = {}): Promise<ResolvedModelFile> {
  const env = options.env ?? process.env;
  const expected = options.sha256?.toLowerCase();
  const source = parseModelSource(spec, { baseDir: options.baseDir ?? process.cwd(), cacheDir: options.cacheDir ?? defaultModelCacheDir(env) });
  if (source.kind === "path") {
    if (!(await readable(source.path))) throw new ModelSourceError(`model file not found or not readable: ${source.path}`);
    if (expected !== undefined) await verifySha256(source.path, expected, { deleteOnMismatch: false });
    return { path: source.path, origin: "path", ...(expected === undefined ? {} : { sha256: expected }) };
  }
  const endpoint = nonEmpty(env["HF_ENDPOINT"]);
  const token = nonEmpty(env["HF_TOKEN"]);
  const common: ResolveModelFileOptions = {
    directory: source.directory,
    ...(source.fileName === undefined ? {} : { fileName: source.fileName }),
    ...(endpoint === undefined ? {} : { endpoints: { huggingFace: endpoint } }),
    ...(token === undefined ? {} : { tokens: { huggingFace: token } }),
  };
  let path = await findCached(spec, source.uri, common);
  const origin = path === undefined ? "download" : "cache";
  if (path === undefined) {
    // node-llama-cpp retries an unreachable host for minutes; one quick probe turns "offline" into a clear error.
    await assertReachable(spec, source.uri.startsWith("hf:") ? (endpoint ?? defaultHuggingFaceEndpoint) : source.uri, source.directory);
    const onProgress = options.onProgress;
    try {
      path = await resolveWithNodeLlamaCpp(source.uri, {
        ...common,
        cli: options.showProgress ?? process.stdout.isTTY === true,
        // Keep the partial file, so that the next start resumes it.
        deleteTempFileOnCancel: false,
        ...(onProgress === undefined ? {} : { onProgress: (status) => onProgress(status.downloadedSize, status.totalSize) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      throw new ModelSourceError(`cannot download ${spec}: ${describeDownloadError(error)}`, { cause: error });
    }
    // node-llama-cpp returns normally from a cancelled download.
    options.signal?.throwIfAborted();
  }
  if (expected !== undefined) await verifySha256(path, expected, { deleteOnMismatch: true });
  return { path, origin, ...(expected === undefined ? {} : { sha256: expected }) };
}

/** The cached file for a source, without any network I/O; undefined when it must be downloaded. */
async function findCached(spec: string, uri: string, options: ResolveModelFileOptions): Promise<string | undefined> {
  try {
    return await resolveWithNodeLlamaCpp(uri, { ...options, download: false, cli: false });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith("No model file found")) return undefined;
    throw new ModelSourceError(`not a valid model reference ${spec}: ${message}`, { cause: error });
  }
}

async function assertReachable(spec: string, url: string, directory: string): Promise<void> {
  try {
    const response = await fetch(url, { method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(probeTimeoutMs) });
    await response.body?.cancel();
  } catch (error) {
    const host = new URL(url).host;
    throw new ModelSourceError(
      `cannot download ${spec}: ${host} is unreachable (${errorCode(error)}); this machine may be offline. Copy the model file here and point "model" at its path, or put it in the cache (${directory}) from a machine that is online`,
      { cause: error },
    );
  }
}

/** Checks a file against the pinned digest; a mismatching cached download is deleted so the next start fetches it again. */
async function verifySha256(file: string, expected: string, { deleteOnMismatch }: { readonly deleteOnMismatch: boolean }): Promise<void> {
  if ((await readVerifiedSha256(file)) === expected) return;
  const actual = await sha256OfFile(file);
  if (actual === expected) {
    await writeVerifiedSha256(file, actual);
    return;
  }
  if (deleteOnMismatch) await Promise.all([rm(file, { force: true }), rm(`${file}.sha256.json`, { force: true })]);
  throw new ModelSourceError(`checksum mismatch for ${file}: expected sha256 ${expected}, got ${actual}${deleteOnMismatch ? "; the file was deleted from the cache" : ""}`);
}

function describeDownloadError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const status = error !== null && typeof error === "object" ? (error as { statusCode?: unknown }).statusCode : undefined;
  return status === 401 || status === 403 ? `${message} (set HF_TOKEN for a gated or private model)` : message;
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  // fetch wraps socket errors; the useful code sits on a cause.
  for (let depth = 0; depth < 3 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    if ((current as { name?: unknown }).name === "TimeoutError") return "timeout";
    current = (current as { cause?: unknown }).cause;
  }
  return "network error";
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

async function readable(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
