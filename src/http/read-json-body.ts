import type { IncomingMessage } from "node:http";
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

/** Reads a request body as a JSON object, enforcing content type, size limit, UTF-8, nesting depth and element count. */
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
  const encoding = request.headers["content-encoding"];
  // Compressed bodies are not inflated (a small gzip body can inflate to gigabytes); say so rather than fail to parse.
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
    throw new GatewayError("unsupported_media_type", { message: "Content-Encoding is not supported; send the body uncompressed." });
  }
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

/** Buffers the body up to `limitBytes`; `large.admit` runs (and may throw) when it grows past the threshold. */
function collect(request: IncomingMessage, limitBytes: number, large: { thresholdBytes: number; admit: () => void } | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
    };
    const stop = (error: unknown): void => {
      cleanup();
      // Stop buffering; node discards the rest once the error response is sent.
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) return stop(tooLarge(limitBytes));
      if (large !== undefined && size >= large.thresholdBytes) {
        try {
          large.admit();
        } catch (error) {
          return stop(error);
        }
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (): void => {
      cleanup();
      reject(new ClientAbortedError());
    };
    const onAborted = onError;
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("aborted", onAborted);
  });
}
