import type { IncomingMessage } from "node:http";
import type { Readable, Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { ClientAbortedError, GatewayError } from "../errors/gateway-error.js";
import { jsonExceedsDepth } from "./json-depth.js";
import type { JsonObject } from "../protocol/openai-responses.js";

/** Nesting far beyond any real request (tool schemas run ~10 deep) but far below the stack limit. */
const maxJsonDepth = 64;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads a request body as a JSON object, enforcing content type, content encoding, size limit, UTF-8 and nesting depth. */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<JsonObject> {
  return (await readJsonRequest(request, limitBytes)).body;
}

/** As `readJsonBody`, also returning the bytes the body was parsed from (the request log keeps a prefix of them). */
export async function readJsonRequest(request: IncomingMessage, limitBytes: number): Promise<{ body: JsonObject; bytes: Buffer }> {
  const contentType = request.headers["content-type"];
  if (contentType === undefined || !isJsonContentType(contentType)) throw new GatewayError("unsupported_media_type");
  const declared = request.headers["content-length"];
  if (declared !== undefined && Number(declared) > limitBytes) throw tooLarge(limitBytes);
  const bytes = await collect(request, limitBytes);
  if (bytes.length === 0) throw new GatewayError("invalid_json", { message: "The request body is empty." });
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new GatewayError("invalid_encoding");
  }
  if (jsonExceedsDepth(bytes, maxJsonDepth)) throw new GatewayError("nesting_too_deep", { message: `The request body nests deeper than ${maxJsonDepth} levels.` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GatewayError("invalid_json", { message: `The request body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}` });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new GatewayError("invalid_request", { message: "The request body must be a JSON object." });
  }
  return { body: parsed as JsonObject, bytes };
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
 * costs at most the limit in memory.
 */
function collect(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const decoder = decoderFor(request.headers["content-encoding"]);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let received = 0;
    let settled = false;
    const output: Readable = decoder ?? request;
    const settle = (error: GatewayError | ClientAbortedError | undefined): void => {
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
      if (size > limitBytes) settle(tooLarge(limitBytes));
      else chunks.push(chunk);
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
