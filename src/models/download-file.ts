import { createHash, type Hash } from "node:crypto";
import { mkdir, open, rename, rm, stat, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { Agent, interceptors, request, type Dispatcher } from "undici";
import type { DownloadProgress } from "./download-progress.js";
import { hashFileInto } from "./hash-file.js";
import { ModelSourceError } from "./model-source.js";

export interface DownloadOptions {
  readonly url: string;
  /** The final path; bytes land in `<destination>.part` first, so a half file is never mistaken for a model. */
  readonly destination: string;
  /** Expected lowercase hex sha256; a mismatch deletes the partial file and fails. */
  readonly sha256?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Injected for tests; defaults to an agent that follows redirects (the hub redirects to its CDN). */
  readonly dispatcher?: Dispatcher;
  readonly onProgress?: DownloadProgress;
  readonly signal?: AbortSignal;
  /** Extra attempts after a dropped connection or a 5xx, each resuming where the last stopped. */
  readonly retries?: number;
}

export interface DownloadedFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** Network failures that mean "no route to the server": retrying right away will not help. */
const offlineCodes = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

let defaultDispatcher: Dispatcher | undefined;

/** Downloads a URL to a file with HTTP Range resume from `<destination>.part`, sha256 verification and progress. */
export async function downloadFile(options: DownloadOptions): Promise<DownloadedFile> {
  const dispatcher = options.dispatcher ?? (defaultDispatcher ??= new Agent({ connect: { timeout: 15_000 } }).compose(interceptors.redirect({ maxRedirections: 5 })));
  const part = `${options.destination}.part`;
  await mkdir(dirname(options.destination), { recursive: true });
  const retries = options.retries ?? 3;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    options.signal?.throwIfAborted();
    let outcome: AttemptOutcome;
    try {
      outcome = await attemptDownload(options, dispatcher, part);
    } catch (error) {
      if (error instanceof ModelSourceError || options.signal?.aborted === true) throw error;
      const code = errorCode(error);
      if (offlineCodes.has(code)) {
        throw new ModelSourceError(`cannot download ${options.url}: the server is unreachable (${code}); is this machine offline? Put the file in place or point "model" at a local path`, { cause: error });
      }
      lastError = error;
      continue;
    }
    if (outcome.kind === "retry") {
      lastError = outcome.reason;
      continue;
    }
    const digest = outcome.hash.digest("hex");
    if (options.sha256 !== undefined && digest !== options.sha256.toLowerCase()) {
      await rm(part, { force: true });
      throw new ModelSourceError(`checksum mismatch for ${options.url}: expected sha256 ${options.sha256.toLowerCase()}, got ${digest}; the partial file was deleted`);
    }
    await rename(part, options.destination);
    return { path: options.destination, sha256: digest, size: outcome.size };
  }
  const detail = lastError instanceof Error ? lastError.message : String(lastError);
  throw new ModelSourceError(`cannot download ${options.url} after ${retries + 1} attempts: ${detail} (the partial file is kept and resumed next time)`, { cause: lastError });
}

type AttemptOutcome = { readonly kind: "complete"; readonly hash: Hash; readonly size: number } | { readonly kind: "retry"; readonly reason: string };

async function attemptDownload(options: DownloadOptions, dispatcher: Dispatcher, part: string): Promise<AttemptOutcome> {
  let offset = await fileSize(part);
  const response = await request(options.url, {
    dispatcher,
    method: "GET",
    headers: { ...options.headers, ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const status = response.statusCode;
  if (status === 416 && offset > 0) {
    await response.body.dump();
    const total = parseTotal(response.headers["content-range"]);
    // The server has nothing past our offset: the partial file already holds everything.
    if (total === offset) return { kind: "complete", hash: await hashOfFile(part), size: offset };
    await rm(part, { force: true });
    return { kind: "retry", reason: `the server refused to resume at byte ${offset}` };
  }
  if (status >= 500) {
    await response.body.dump();
    return { kind: "retry", reason: `the server answered ${status}` };
  }
  if (status !== 200 && status !== 206) {
    await response.body.dump();
    throw new ModelSourceError(`cannot download ${options.url}: the server answered ${status}${status === 401 || status === 403 ? " (set HF_TOKEN for gated models)" : ""}`);
  }
  const resumed = status === 206 && parseStart(response.headers["content-range"]) === offset;
  if (!resumed && offset > 0) {
    // The server ignored the Range header (or answered another range): start over.
    await truncate(part, 0);
    offset = 0;
  }
  const hash = offset > 0 ? await hashOfFile(part) : createHash("sha256");
  const length = Number(response.headers["content-length"]);
  const total = Number.isFinite(length) ? offset + length : undefined;
  let received = offset;
  options.onProgress?.(received, total);
  const file = await open(part, offset > 0 ? "a" : "w");
  try {
    for await (const chunk of response.body) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      await file.write(bytes);
      received += bytes.length;
      options.onProgress?.(received, total);
    }
  } finally {
    await file.close();
  }
  if (total !== undefined && received !== total) return { kind: "retry", reason: `the transfer stopped at ${received} of ${total} bytes` };
  return { kind: "complete", hash, size: received };
}

async function hashOfFile(file: string): Promise<Hash> {
  const hash = createHash("sha256");
  await hashFileInto(hash, file);
  return hash;
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

function parseStart(header: string | string[] | undefined): number | undefined {
  const match = typeof header === "string" ? /^bytes (\d+)-/.exec(header) : null;
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function parseTotal(header: string | string[] | undefined): number | undefined {
  const match = typeof header === "string" ? /\/(\d+)$/.exec(header) : null;
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function errorCode(error: unknown): string {
  let current: unknown = error;
  // undici wraps socket errors; the useful code may sit on a cause.
  for (let depth = 0; depth < 3 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return "";
}
