import { GatewayError } from "./gateway-error.js";

/** The OpenAI error envelope. */
export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string };
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ErrorEnvelope;
}

/** Turns any thrown value into the response a client sees; unknown errors become an opaque 500. */
export function toErrorResponse(error: unknown): ErrorResponse {
  const known = error instanceof GatewayError ? error : new GatewayError("internal_error", { cause: error });
  const headers: Record<string, string> = {};
  if (known.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(0, Math.ceil(known.retryAfterMs / 1000)));
  return {
    status: known.status,
    headers,
    body: { error: { message: known.message, type: known.type, param: known.param, code: known.code } },
  };
}
