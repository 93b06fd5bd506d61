import type { ServerResponse } from "node:http";
import { toErrorResponse } from "../errors/to-error-response.js";

/** Sends a JSON body (already serialised when `raw` is a string) with extra headers. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** Sends any thrown value as the OpenAI error envelope; returns the status and code sent. */
export function sendError(response: ServerResponse, error: unknown, headers: Record<string, string> = {}): { status: number; code: string } {
  const { status, headers: errorHeaders, body } = toErrorResponse(error);
  if (response.headersSent) {
    response.destroy();
  } else {
    sendJson(response, status, body, { ...headers, ...errorHeaders });
  }
  return { status, code: body.error.code };
}
