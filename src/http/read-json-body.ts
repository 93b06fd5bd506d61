import type { IncomingMessage } from "node:http";
import type { Readable, Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { ClientAbortedError, GatewayError } from "../errors/gateway-error.js";
import { prescanJson, type JsonScanLimits } from "./prescan-json.js";
import type { LargeBodyGate, ReleaseSlot } from "./large-body-gate.js";
import type { JsonObject } from "../protocol/openai-responses.js";

/** Limits for small admin and feedback bodies: nesting far beyond any real request but far below the stack limit. */
const defaultScanLimits: JsonScanLimits = { maxDepth: 64, maxElements: 300_000 };
const utf8 = new TextDecoder("utf-8", { fatal: true });
/** What a client told to wait for a large-body slot should wait before retrying. */
const busyRetryAfterMs = 1000;

/** How a JSON request body is read. */
export interface JsonBodyOptions {
  limitBytes: number;
  scan: JsonScanLimits;
  /** Bounds how many large bodies are read and parsed at once; absent = no bound. */
  gate?: LargeBodyGate;
}

/** A parsed body, the bytes it was parsed from (the request log keeps a prefix), and its large-body slot. */
export interface ReceivedJson {
  body: JsonObject;
  bytes: Buffer;
  /** Frees the large-body slot, if one was taken; call it once the body has been validated. */
  release: ReleaseSlot;
}

/** Reads a request body as a JSON object, enforcing content type, content encoding, size limit, UTF-8, nesting depth and element count. */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<JsonObject> {
  const received = await readJsonRequest(request, { limitBytes, scan: defaultScanLimits });
  received.release();
  return received.body;
}

/**
 * Reads a body and validates it with `validate` while holding its large-body slot, then frees the slot: parsing and
 * validation are a large body's memory peak, and what the request keeps afterwards is bounded.
 */
export async function readValidatedJson<T>(request: IncomingMessage, options: JsonBodyOptions, validate: (body: JsonObject) => T): Promise<{ value: T; bytes: Buffer }> {
  const received = await readJsonRequest(request, options);
  try {
    return { value: validate(received.body), bytes: received.bytes };
  } finally {
    received.release();
  }
}

/**
 * As `readJsonBody`, with a large-body gate: a body of the gate's threshold or more (by Content-Length, or once a
 * chunked body grows past it) needs a slot, else `server_busy`. The slot is held until the caller releases it.
 */
export async function readJsonRequest(request: IncomingMessage, options: JsonBodyOptions): Promise<ReceivedJson> {
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
    const bytes = await collect(request, limitBytes, gate === undefined ? undefined : { thresholdBytes: gate.thresholdBytes, admit });
    return { body: parse(bytes, options.scan), bytes, release: slot.release ?? noSlot };
  } catch (error) {
    slot.release?.();
    throw error;
  }
}

function noSlot(): void {}

function parse(bytes: Buffer, scan: JsonScanLimits): JsonObject {
  if (bytes.length === 0) throw new GatewayError("invalid_json", { message: "The request body is empty." });
  const problem = prescanJson(bytes, scan);
  if (problem === "too_deep") throw new GatewayError("nesting_too_deep", { message: `The request body nests deeper than ${scan.maxDepth} levels.` });
  if (problem === "too_many_elements") throw new GatewayError("too_many_elements", { message: `The request body has more than ${scan.maxElements} JSON elements (array items and object members).` });
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new GatewayError("invalid_encoding");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GatewayError("invalid_json", { message: `The request body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}` });
  }
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

/** Picks the decoder for a `Content-Encoding`; identity needs none, an encoding we cannot decode is a 415. */
function decoderFor(header: string | undefined): Transform | undefined {
  const encoding = header?.trim().toLowerCase() ?? "";
  if (encoding === "" || encoding === "identity") return undefined;
  if (encoding === "gzip" || encoding === "x-gzip") return createGunzip();
  if (encoding === "deflate") return createInflate();
  if (encoding === "br") return createBrotliDecompress();
  throw new GatewayError("unsupported_encoding", { message: `Content-Encoding "${header ?? ""}" is not supported; send identity, gzip, deflate or br.` });
}

/**
 * Reads the body, decompressing it on the way. The limit applies to the bytes received and to the bytes after
 * decompression: the decoder is destroyed as soon as its output passes the limit, so a decompression bomb
 * costs at most the limit in memory. `large.admit` runs (and may throw) once the body grows past the threshold.
 */
function collect(request: IncomingMessage, limitBytes: number, large: { thresholdBytes: number; admit: () => void } | undefined): Promise<Buffer> {
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
        resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size));
        return;
      }
      // Stop reading; the response closes the connection, so the rest is never read.
      request.pause();
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
      chunks.push(chunk);
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
