import { toErrorResponse } from "../errors/to-error-response.js";

/** Anthropic's error envelope. */
export interface AnthropicErrorEnvelope {
  type: "error";
  error: { type: string; message: string };
}

/** Anthropic's error type for an HTTP status, as its API documents them. */
function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
    case 503:
      return "overloaded_error";
    default:
      return status < 500 ? "invalid_request_error" : "api_error";
  }
}

/** Any thrown value as Anthropic's envelope, with the status and headers (Retry-After) the OpenAI envelope would get. */
export function toAnthropicErrorResponse(error: unknown): { status: number; headers: Record<string, string>; body: AnthropicErrorEnvelope; code: string } {
  const { status, headers, body } = toErrorResponse(error);
  return { status, headers, code: body.error.code, body: { type: "error", error: { type: anthropicErrorType(status), message: body.error.message } } };
}
