import { access, constants } from "node:fs/promises";
import type { Dispatcher } from "undici";
import { downloadFile } from "./download-file.js";
import { createDownloadProgress, type ProgressReporter } from "./download-progress.js";
import { sha256OfFile } from "./hash-file.js";
import { cachedModelPath, defaultModelCacheDir, readCachedModelRecord, writeCachedModelRecord } from "./model-cache.js";
import { ModelSourceError, parseModelSource } from "./model-source.js";

export interface ResolveModelOptions {
  /** Relative paths resolve here; default the process's working directory. */
  readonly baseDir?: string;
  /** Where downloads go; default {@link defaultModelCacheDir}. */
  readonly cacheDir?: string;
  readonly sha256?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly dispatcher?: Dispatcher;
  readonly signal?: AbortSignal;
  /** Builds the progress display of a download; default a bar on stderr when it is a terminal. */
  readonly progress?: (label: string) => ProgressReporter;
  readonly retries?: number;
}

/** A model file on local disk, and how it got there. */
export interface ResolvedModelFile {
  readonly path: string;
  readonly origin: "path" | "cache" | "download";
  /** Known when it was verified, recorded at download, or computed. */
  readonly sha256?: string;
}

// One download per destination at a time in this process, however many deployments name the same URL.
const inFlight = new Map<string, Promise<ResolvedModelFile>>();

/** Turns a model reference (path, hf: URI or URL) into a local file, downloading into the cache once. */
export async function resolveModelFile(spec: string, options: ResolveModelOptions = {}): Promise<ResolvedModelFile> {
  const env = options.env ?? process.env;
  const source = parseModelSource(spec, { baseDir: options.baseDir ?? process.cwd(), env });
  const expected = options.sha256?.toLowerCase();
  if (source.kind === "path") {
    if (!(await readable(source.path))) throw new ModelSourceError(`model file not found or not readable: ${source.path}`);
    if (expected === undefined) return { path: source.path, origin: "path" };
    await verifyFile(source.path, expected);
    return { path: source.path, origin: "path", sha256: expected };
  }
  const destination = cachedModelPath(options.cacheDir ?? defaultModelCacheDir(env), source.url);
  const running = inFlight.get(destination);
  if (running !== undefined) return running;
  const work = (async (): Promise<ResolvedModelFile> => {
    if (await readable(destination)) {
      const record = await readCachedModelRecord(destination);
      if (expected === undefined || record?.sha256 === expected) return { path: destination, origin: "cache", ...(record === undefined ? {} : { sha256: record.sha256 }) };
      await verifyFile(destination, expected);
      return { path: destination, origin: "cache", sha256: expected };
    }
    const progress = (options.progress ?? createDownloadProgress)(`downloading ${source.url}`);
    try {
      const file = await downloadFile({
        url: source.url,
        destination,
        headers: source.headers,
        onProgress: progress.update,
        ...(expected === undefined ? {} : { sha256: expected }),
        ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.retries === undefined ? {} : { retries: options.retries }),
      });
      await writeCachedModelRecord(destination, { url: source.url, sha256: file.sha256, size: file.size, downloaded_at: new Date().toISOString() });
      return { path: destination, origin: "download", sha256: file.sha256 };
    } finally {
      progress.stop();
    }
  })();
  inFlight.set(destination, work);
  try {
    return await work;
  } finally {
    inFlight.delete(destination);
  }
}

async function verifyFile(file: string, expected: string): Promise<void> {
  const actual = await sha256OfFile(file);
  if (actual !== expected) throw new ModelSourceError(`checksum mismatch for ${file}: expected sha256 ${expected}, got ${actual}`);
}

async function readable(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
