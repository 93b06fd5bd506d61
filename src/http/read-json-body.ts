import { isAscii, isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { Readable, Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { ClientAbortedError, GatewayError } from "../errors/gateway-error.js";
import { createJsonScanner, type JsonScanLimits, type JsonScanner, type JsonScanProblem } from "./prescan-json.js";
import type { LargeBodyGate, ReleaseSlot } from "./large-body-gate.js";
import { decodeJsonBody, type DecodedJson } from "./decode-json-body.js";
import type { JsonParseWorkers } from "./json-parse-workers.js";
import { createTurnBudget } from "./turn-budget.js";
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
  /** Decode and parse the gate's large bodies off the main thread; absent = on it. */
  workers?: JsonParseWorkers;
}

/** Reads a request body as a JSON object, enforcing content type, content encoding, size limit, UTF-8, nesting depth and element count. */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<JsonObject> {
  return (await readValidatedJson(request, { limitBytes, scan: defaultScanLimits }, (body) => body)).value;
}

/**
 * Reads a body, parses it and validates it with `validate`. With a large-body gate, a body of the gate's threshold or
 * more (by Content-Length, or once a chunked body grows past it) needs a slot, else `server_busy`; the slot is held
 * until the body is validated (parsing and validation are a large body's memory peak, and what the request keeps
 * afterwards is bounded). A large body is decoded and parsed on a worker thread when the pool is given, and its
 * validation runs as the gate's exclusive work: one large body per event-loop turn, so several finishing at once never
 * add up to one long stall.
 */
export async function readValidatedJson<T>(request: IncomingMessage, options: JsonBodyOptions, validate: (body: JsonObject) => T): Promise<{ value: T; bytes: Buffer }> {
  const { limitBytes, gate } = options;
  const contentType = request.headers["content-type"];
  if (contentType === undefined || !isJsonContentType(contentType)) throw new GatewayError("unsupported_media_type");
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const slot: { release: ReleaseSlot | undefined } = { release: undefined };
  const admit = (): void => {
    if (gate === undefined || slot.release !== undefined) return;
    slot.release = gate.tryAcquire();
    if (slot.release === undefined) throw new GatewayError("server_busy", { retryAfterMs: busyRetryAfterMs });
  };
  if (gate !== undefined && declared >= gate.thresholdBytes) admit();
  try {
    // A large body of known length whose worker reads shared memory is copied there chunk by chunk as it arrives: one
    // 4 MiB copy (and its page faults) at the end took 40–55 ms of main thread on the loaded host.
    const shared = slot.release !== undefined && options.workers !== undefined && request.headers["content-encoding"] === undefined ? Buffer.from(new SharedArrayBuffer(declared)) : undefined;
    const received = await collect(request, limitBytes, createJsonScanner(options.scan), options.scan, gate === undefined ? undefined : { thresholdBytes: gate.thresholdBytes, admit }, shared);
    if (slot.release === undefined || gate === undefined) {
      const bytes = join(received, false);
      return { value: validate(asObject(bytes, decodeJsonBody(bytes, checks))), bytes };
    }
    const { workers } = options;
    // Shared memory lets the worker read the bytes in place, while the request keeps them for the log.
    const bytes = join(received, workers !== undefined);
    const parsed = workers === undefined ? undefined : asObject(bytes, await workers.decode(bytes));
    return { value: await gate.exclusive(() => validate(parsed ?? asObject(bytes, decodeJsonBody(bytes, checks)))), bytes };
  } finally {
    slot.release?.();
  }
}

const checks = { isAscii, isUtf8 };

/** A body's chunks as one buffer, in a SharedArrayBuffer when a worker is to read it. */
function join(received: Received, shared: boolean): Buffer {
  const { chunks, size, into } = received;
  // Node frames a body by its Content-Length, so the chunks fit; were there more, they follow what was copied.
  if (into !== undefined) return chunks.length === 0 ? into.subarray(0, size) : Buffer.concat([into.subarray(0, size - chunks.reduce((sum, chunk) => sum + chunk.length, 0)), ...chunks]);
  if (!shared) return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size);
  const bytes = Buffer.from(new SharedArrayBuffer(size));
  let offset = 0;
  for (const chunk of chunks) offset += chunk.copy(bytes, offset);
  return bytes;
}

/** The decoded body as a JSON object, or the 400 that says why it is not one. */
function asObject(bytes: Buffer, decoded: DecodedJson): JsonObject {
  if (bytes.length === 0) throw new GatewayError("invalid_json", { message: "The request body is empty." });
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

/** Reads and drops the rest of a refused body, up to `budget` more bytes; past that the connection is cut. */
function discardRest(request: IncomingMessage, budget: number): void {
  let left = budget;
  request.on("data", (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) request.socket.destroy();
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

/** A read body: its chunks, or the buffer they were copied into as they came. */
interface Received {
  chunks: Buffer[];
  size: number;
  into?: Buffer;
}

/**
 * Reads the body, decompressing it on the way. The limit applies to the bytes received and to the bytes after
 * decompression: the decoder is destroyed as soon as its output passes the limit, so a decompression bomb
 * costs at most the limit in memory. `large.admit` runs (and may throw) once the body grows past the threshold.
 * With `into` (sized by Content-Length), chunks are copied into it as they arrive instead of kept.
 */
function collect(request: IncomingMessage, limitBytes: number, scanner: JsonScanner, scan: JsonScanLimits, large: { thresholdBytes: number; admit: () => void } | undefined, into: Buffer | undefined): Promise<Received> {
  const decoder = decoderFor(request.headers["content-encoding"]);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
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
        resolve(into === undefined ? { chunks, size } : { chunks, size, into });
        return;
      }
      // Too large: stop reading, the response closes the connection. Refused for what was read (a scan limit, no
      // large-body slot): drop the rest, so the client finishes sending and reads its 4xx rather than a reset.
      if (error instanceof GatewayError && error.code !== "body_too_large") discardRest(request, limitBytes - (decoder === undefined ? size : received));
      else request.pause();
      reject(error);
    };
    const onReceived = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limitBytes) settle(tooLarge(limitBytes));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) return settle(tooLarge(limitBytes));
      if (large !== undefined && size >= large.thresholdBytes) {
        try {
          large.admit();
        } catch (error) {
          return settle(error);
        }
      }
      const problem = scanner.push(chunk);
      if (problem !== undefined) return settle(scanProblem(problem, scan));
      if (into !== undefined && size <= into.length) chunk.copy(into, size - chunk.length);
      else chunks.push(chunk);
      // Past this turn's scanning budget: the rest waits a turn (paused, node stops reading the socket).
      if (!scanBudget.spend(chunk.length)) {
        output.pause();
        scanBudget.nextTurn(() => {
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
