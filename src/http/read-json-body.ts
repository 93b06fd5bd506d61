import type { IncomingMessage } from "node:http";
import { ClientAbortedError, GatewayError } from "../errors/gateway-error.js";
import { jsonExceedsDepth } from "./json-depth.js";
import type { JsonObject } from "../protocol/openai-responses.js";

/** Nesting far beyond any real request (tool schemas run ~10 deep) but far below the stack limit. */
const maxJsonDepth = 64;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads a request body as a JSON object, enforcing content type, size limit, UTF-8 and nesting depth. */
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

function collect(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        // Stop buffering; the response closes the connection, so the rest is never read.
        request.pause();
        reject(tooLarge(limitBytes));
        return;
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
