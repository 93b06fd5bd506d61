import type { IncomingMessage, ServerResponse } from "node:http";
import { GatewayError } from "../errors/gateway-error.js";
import { sendError } from "./send.js";

/**
 * Answers `Expect: 100-continue`: a declared body over the limit gets its 413 at once, so the client never sends
 * it; any other request gets `100 Continue` and goes to the app as usual.
 */
export function createCheckContinue(limitBytes: number, handle: (request: IncomingMessage, response: ServerResponse) => void): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const declared = Number(request.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limitBytes) {
      // The body is never read, so the connection cannot be reused.
      response.shouldKeepAlive = false;
      sendError(response, new GatewayError("body_too_large", { message: `The request body exceeds the limit of ${limitBytes} bytes.` }));
      return;
    }
    response.writeContinue();
    handle(request, response);
  };
}
