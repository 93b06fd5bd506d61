import { ClientAbortedError } from "../errors/gateway-error.js";
import { toAnthropicErrorResponse } from "../protocol/anthropic-error.js";
import type { RouteHandler } from "./route-table.js";
import { sendJson } from "./send.js";

/**
 * Answers a route's errors, authentication's included, in Anthropic's envelope instead of OpenAI's: Anthropic's SDKs
 * read `error.type` and `error.message` from it. `onServerError` sees the 5xx ones, as the app's own handler would.
 */
export function withAnthropicErrors(handler: RouteHandler, onServerError: (error: unknown, requestId: string) => void): RouteHandler {
  return async (context) => {
    try {
      await handler(context);
    } catch (error) {
      if (error instanceof ClientAbortedError || context.response.destroyed) return;
      const { status, headers, body, code } = toAnthropicErrorResponse(error);
      context.facts.errorCode = code;
      if (context.response.headersSent) {
        context.response.destroy();
        return;
      }
      sendJson(context.response, status, body, { ...headers, connection: code === "body_too_large" ? "close" : "keep-alive" });
      if (status >= 500) onServerError(error, context.id);
    }
  };
}
