import { isAscii, isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { Readable, Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { ClientAbortedError, GatewayError } from "../errors/gateway-error.js";
import { createJsonScanner, type JsonScanLimits, type JsonScanner, type JsonScanProblem } from "./prescan-json.js";
import type { LargeBodyGate, ReleaseSlot } from "./large-body-gate.js";
import { decodeJsonBody, type DecodedJson } from "./decode-json-body.js";
import type { JsonParseWorkers, StreamedOutcome } from "./json-parse-workers.js";
import { createTurnBudget, type TurnBudget } from "./turn-budget.js";
import type { JsonObject } from "../protocol/openai-responses.js";

/** Limits for small admin and feedback bodies: nesting far beyond any real request but far below the stack limit. */
const defaultScanLimits: JsonScanLimits = { maxDepth: 64, maxElements: 300_000 };
/**
 * Body bytes scanned per event-loop turn across all requests: hostile bodies scan at ~10–25 ms/MiB on a loaded core
 * (bench/body-blocking), so a turn's scanning stays within a few milliseconds.
 */
const scanBudget = createTurnBudget(256 * 1024);
/** What a client told to wait for a large-body slot should wait before retrying. */
const busyRetryAfterMs = 1000;

/** How a JSON request body is read. */
export interface JsonBodyOptions {
  limitBytes: number;
  scan: JsonScanLimits;
  /** Bounds how many large bodies are read and parsed at once; absent = no bound. */
  gate?: LargeBodyGate;
  /** Scan, decode and parse the gate's large bodies off the main thread; absent = on it. */
  workers?: JsonParseWorkers;
  /** Paces the reading of large bodies (the gate's) across all requests; absent = the scanning budget per turn. */
  intake?: TurnBudget;
  /**
   * Of a body a worker takes, the bytes the main thread keeps and returns (the request log's body cap); the rest
   * exists only on the worker. Absent = all.
   */
  keepBytes?: number;
}

/** Reads a request body as a JSON object, enforcing content type, content encoding, size limit, UTF-8, nesting depth and element count. */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<JsonObject> {
  return (await readValidatedJson(request, { limitBytes, scan: defaultScanLimits }, (body) => body)).value;
}

/**
 * Reads a body, parses it and validates it with `validate`. With a large-body gate, a body of the gate's threshold or
 * more needs a slot: by Content-Length it waits for one in the gate's line, unread, else `server_busy`; a chunked body
 * that grows past the threshold takes one at once or is refused. The slot is held until the body is validated
 * (parsing and validation are a large body's memory peak, and what the request keeps afterwards is bounded). A large
 * body of known length goes to a worker thread chunk by chunk as it arrives, where it is scanned, then decoded and
 * parsed: the main thread only reads the socket. Its validation runs as the gate's exclusive work: one large body
 * per event-loop turn, so several finishing at once never add up to one long stall.
 */
export async function readValidatedJson<T>(request: IncomingMessage, options: JsonBodyOptions, validate: (body: JsonObject) => T): Promise<{ value: T; bytes: Buffer }> {
  const { limitBytes, gate, workers } = options;
  const contentType = request.headers["content-type"];
  if (contentType === undefined || !isJsonContentType(contentType)) throw new GatewayError("unsupported_media_type");
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const slot: { release: ReleaseSlot | undefined } = { release: undefined };
  const admit = (): void => {
    if (gate === undefined || slot.release !== undefined) return;
    slot.release = gate.tryAcquire();
    if (slot.release === undefined) throw busy();
  };
  if (gate !== undefined && declared >= gate.thresholdBytes) slot.release = await waitForSlot(request, gate);
  try {
    const identity = request.headers["content-encoding"] === undefined;
    if (slot.release !== undefined && gate !== undefined && workers !== undefined && identity) {
      const streamed = await collectToWorker(request, options, workers, declared);
      if (streamed !== undefined) return { value: await gate.exclusive(() => validate(streamed.value)), bytes: streamed.bytes };
    }
    const received = await collect(request, limitBytes, createJsonScanner(options.scan), options.scan, gate === undefined ? undefined : { thresholdBytes: gate.thresholdBytes, admit });
    const bytes = join(received.chunks, received.size);
    if (slot.release === undefined || gate === undefined) return { value: validate(asObject(bytes.length, decodeJsonBody(bytes, checks))), bytes };
    // A large body that was not streamed (chunked, compressed) still decodes and parses on a worker, whole.
    const whole = workers?.open(options.scan, bytes.length, () => undefined);
    whole?.push(bytes);
    const parsed = whole === undefined ? decodeJsonBody(bytes, checks) : await whole.end();
    return { value: await gate.exclusive(() => validate(asObject(bytes.length, outcomeOf(parsed, options.scan)))), bytes };
  } finally {
    slot.release?.();
  }
}

const checks = { isAscii, isUtf8 };

/** Waits in the gate's line for a slot, leaving it if the client goes; `server_busy` when none comes. */
async function waitForSlot(request: IncomingMessage, gate: LargeBodyGate): Promise<ReleaseSlot> {
  const left = new AbortController();
  const leave = (): void => left.abort();
  request.once("close", leave);
  try {
    const release = await gate.acquire(left.signal);
    if (release !== undefined) return release;
    throw left.signal.aborted ? new ClientAbortedError() : busy();
  } finally {
    request.off("close", leave);
  }
}

function busy(): GatewayError {
  return new GatewayError("server_busy", { retryAfterMs: busyRetryAfterMs });
}

/** A streamed body's outcome as a decoded body, scan problems and a failed worker included. */
function outcomeOf(outcome: StreamedOutcome, scan: JsonScanLimits): DecodedJson {
  if (outcome.ok || outcome.problem === "invalid_encoding" || outcome.problem === "invalid_json") return outcome;
  if (outcome.problem === "worker_failed") throw new GatewayError("server_busy", { retryAfterMs: busyRetryAfterMs, message: "The gateway could not parse this large body now; retry shortly." });
  throw scanProblem(outcome.problem, scan);
}

/** A body's chunks as one buffer. */
function join(chunks: Buffer[], size: number): Buffer {
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size);
}

/**
 * Reads a body of known length straight to a worker (see `readValidatedJson`), keeping only `keepBytes` of it here.
 * Undefined when the pool is closed: the caller reads it on this thread.
 */
async function collectToWorker(request: IncomingMessage, options: JsonBodyOptions, workers: JsonParseWorkers, declared: number): Promise<{ value: JsonObject; bytes: Buffer } | undefined> {
  let reportProblem: (problem: JsonScanProblem) => void = () => undefined;
  const body = workers.open(options.scan, declared, (problem) => reportProblem(problem));
  if (body === undefined) return undefined;
  const keep = options.keepBytes ?? Number.POSITIVE_INFINITY;
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let size = 0;
  try {
    size = await collectWith(
      request,
      options.limitBytes,
      (settle) => {
        reportProblem = (problem) => settle(scanProblem(problem, options.scan));
        return (chunk) => {
          body.push(chunk);
          if (keptBytes >= keep) return;
          // Chunks are views of node's socket reads, kept as they are: only what the log may show stays referenced.
          const head = keptBytes + chunk.length <= keep ? chunk : chunk.subarray(0, keep - keptBytes);
          kept.push(head);
          keptBytes += head.length;
        };
      },
      options.intake ?? scanBudget,
    );
  } catch (error) {
    body.abort();
    throw error;
  }
  const outcome = await body.end();
  return { value: asObject(size, outcomeOf(outcome, options.scan)), bytes: join(kept, keptBytes) };
}

/** The decoded body as a JSON object, or the 400 that says why it is not one. */
function asObject(size: number, decoded: DecodedJson): JsonObject {
  if (size === 0) throw new GatewayError("invalid_json", { message: "The request body is empty." });
  if (!decoded.ok) throw decoded.problem === "invalid_encoding" ? new GatewayError("invalid_encoding") : new GatewayError("invalid_json", { message: `The request body is not valid JSON: ${decoded.message}` });
  const parsed = decoded.value;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new GatewayError("invalid_request", { message: "The request body must be a JSON object." });
  }
  return parsed as JsonObject;
}

function isJsonContentType(value: string): boolean {
  const mediaType = value.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return mediaType === "application/json" || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError("body_too_large", { message: `The request body exceeds the limit of ${limitBytes} bytes.` });
}

/**
 * Reads and drops the rest of a refused body, up to `bytes` more; past that the connection is cut. It is read at the
 * pace `budget` allows, like the body it is the rest of.
 */
function discardRest(request: IncomingMessage, bytes: number, budget: TurnBudget): void {
  let left = bytes;
  request.on("data", (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) request.socket.destroy();
    else if (!budget.spend(chunk.length)) {
      request.pause();
      budget.nextTurn(() => request.resume());
    }
  });
  request.resume();
}

function scanProblem(problem: JsonScanProblem, scan: JsonScanLimits): GatewayError {
  if (problem === "too_deep") return new GatewayError("nesting_too_deep", { message: `The request body nests deeper than ${scan.maxDepth} levels.` });
  return new GatewayError("too_many_elements", { message: `The request body has more than ${scan.maxElements} JSON elements (array items and object members).` });
}

/** Picks the decoder for a `Content-Encoding`; identity needs none, an encoding we cannot decode is a 415. */
function decoderFor(header: string | undefined): Transform | undefined {
  const encoding = header?.trim().toLowerCase() ?? "";
  if (encoding === "" || encoding === "identity") return undefined;
  if (encoding === "gzip" || encoding === "x-gzip") return createGunzip();
  if (encoding === "deflate") return createInflate();
  if (encoding === "br") return createBrotliDecompress();
  throw new GatewayError("unsupported_encoding", { message: `Content-Encoding "${header ?? ""}" is not supported; send identity, gzip, deflate or br.` });
}

/** A read body: its chunks. */
interface Received {
  chunks: Buffer[];
  size: number;
}

/**
 * Reads the body on this thread, scanning each chunk as it arrives (within the shared per-turn budget) and keeping
 * them. `large.admit` runs (and may throw) once the body grows past the threshold.
 */
async function collect(request: IncomingMessage, limitBytes: number, scanner: JsonScanner, scan: JsonScanLimits, large: { thresholdBytes: number; admit: () => void } | undefined): Promise<Received> {
  const chunks: Buffer[] = [];
  const size = await collectWith(
    request,
    limitBytes,
    (settle) => (chunk, sizeSoFar) => {
      if (large !== undefined && sizeSoFar >= large.thresholdBytes) {
        try {
          large.admit();
        } catch (error) {
          return settle(error);
        }
      }
      const problem = scanner.push(chunk);
      if (problem !== undefined) return settle(scanProblem(problem, scan));
      chunks.push(chunk);
    },
    scanBudget,
  );
  return { chunks, size };
}

/** Where `collectWith` hands each chunk (after decompression) once it is within the limit. */
type ChunkSink = (chunk: Buffer, sizeSoFar: number) => void;

/**
 * Reads the body, decompressing it on the way. The limit applies to the bytes received and to the bytes after
 * decompression: the decoder is destroyed as soon as its output passes the limit, so a decompression bomb
 * costs at most the limit in memory. `sink(settle)` makes the handler each chunk goes to; it may refuse the body by
 * calling `settle` with the error. Past `budget` in one event-loop turn the body waits a turn. Resolves with the size.
 */
function collectWith(request: IncomingMessage, limitBytes: number, sink: (settle: (error: unknown) => void) => ChunkSink, budget: TurnBudget): Promise<number> {
  const decoder = decoderFor(request.headers["content-encoding"]);
  return new Promise((resolve, reject) => {
    let size = 0;
    let received = 0;
    let settled = false;
    const output: Readable = decoder ?? request;
    const settle = (error: unknown): void => {
      if (settled) return;
      settled = true;
      request.off("data", onReceived);
      request.off("error", onAborted);
      request.off("aborted", onAborted);
      output.off("data", onData);
      output.off("end", onEnd);
      if (decoder !== undefined) {
        request.unpipe(decoder);
        decoder.off("error", onDecodeError);
        // A late error from the torn-down decoder must not become an unhandled 'error' event.
        decoder.on("error", () => undefined);
        decoder.destroy();
      }
      if (error === undefined) {
        resolve(size);
        return;
      }
      // Too large: stop reading, the response closes the connection. Refused for what was read (a scan limit, no
      // large-body slot): drop the rest, so the client finishes sending and reads its 4xx rather than a reset.
      if (error instanceof GatewayError && error.code !== "body_too_large") discardRest(request, limitBytes - (decoder === undefined ? size : received), budget);
      else request.pause();
      reject(error);
    };
    const take = sink(settle);
    const onReceived = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limitBytes) settle(tooLarge(limitBytes));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) return settle(tooLarge(limitBytes));
      take(chunk, size);
      if (settled) return;
      // Past this turn's budget: the rest waits a turn (paused, node stops reading the socket).
      if (!budget.spend(chunk.length)) {
        output.pause();
        budget.nextTurn(() => {
          if (!settled) output.resume();
        });
      }
    };
    const onEnd = (): void => settle(undefined);
    const onAborted = (): void => settle(new ClientAbortedError());
    const onDecodeError = (): void => settle(new GatewayError("invalid_encoding", { message: `The request body is not valid ${request.headers["content-encoding"] ?? ""} data.` }));
    request.on("error", onAborted);
    request.on("aborted", onAborted);
    if (decoder !== undefined) {
      request.on("data", onReceived);
      decoder.on("error", onDecodeError);
      request.pipe(decoder);
    }
    output.on("data", onData);
    output.on("end", onEnd);
  });
}
