/** The one error table: every client-facing error code, its HTTP status, OpenAI error type and default message. */
export const errorCodes = {
  invalid_json: { status: 400, type: "invalid_request_error", retryable: false, message: "The request body is not valid JSON." },
  invalid_encoding: { status: 400, type: "invalid_request_error", retryable: false, message: "The request body is not valid UTF-8." },
  nesting_too_deep: { status: 400, type: "invalid_request_error", retryable: false, message: "The request body is nested too deeply." },
  too_many_elements: { status: 400, type: "invalid_request_error", retryable: false, message: "The request has more elements than this gateway allows." },
  invalid_request: { status: 400, type: "invalid_request_error", retryable: false, message: "The request is invalid." },
  unsupported_media_type: { status: 415, type: "invalid_request_error", retryable: false, message: "Content-Type must be application/json." },
  unsupported_encoding: { status: 415, type: "invalid_request_error", retryable: false, message: "The request's Content-Encoding is not supported." },
  body_too_large: { status: 413, type: "invalid_request_error", retryable: false, message: "The request body is too large." },
  authentication_required: { status: 401, type: "authentication_error", retryable: false, message: "An API key is required." },
  permission_denied: { status: 403, type: "permission_error", retryable: false, message: "This key may not do that." },
  csrf_token_invalid: { status: 403, type: "permission_error", retryable: false, message: "A write with the dashboard's session cookie needs its CSRF token in the x-csrf-token header." },
  session_expired: { status: 401, type: "authentication_error", retryable: false, message: "The dashboard session has expired or was logged out; log in again." },
  key_revoked: { status: 401, type: "authentication_error", retryable: false, message: "This API key has been revoked." },
  key_expired: { status: 401, type: "authentication_error", retryable: false, message: "This API key has expired." },
  invalid_api_key: { status: 401, type: "authentication_error", retryable: false, message: "The API key or token is not valid." },
  server_busy: { status: 429, type: "rate_limit_error", retryable: true, message: "The gateway is reading as many large request bodies as it allows at once; retry shortly." },
  rate_limited: { status: 429, type: "rate_limit_error", retryable: true, message: "Rate limit reached for this key; retry later." },
  budget_exceeded: { status: 429, type: "insufficient_quota", retryable: false, message: "The spending budget for this key or team is used up." },
  pii_detected: { status: 400, type: "invalid_request_error", retryable: false, message: "The request contains personal data that this model does not accept." },
  prompt_too_long: { status: 400, type: "invalid_request_error", retryable: false, message: "The prompt has more tokens than this gateway or key allows." },
  misdirected_request: { status: 421, type: "invalid_request_error", retryable: false, message: "This gateway does not serve that Host name; add it to server.allowed_hosts if it should." },
  not_found: { status: 404, type: "invalid_request_error", retryable: false, message: "No such route." },
  method_not_allowed: { status: 405, type: "invalid_request_error", retryable: false, message: "Method not allowed on this route." },
  response_not_found: { status: 404, type: "invalid_request_error", retryable: false, message: "No stored response has this id." },
  model_version_not_found: { status: 404, type: "invalid_request_error", retryable: false, message: "The model has no such version or alias." },
  registry_conflict: { status: 409, type: "invalid_request_error", retryable: false, message: "The model registry cannot make that change in its current state." },
  promotion_blocked: { status: 409, type: "invalid_request_error", retryable: false, message: "The version does not meet the model's promotion preconditions yet." },
  file_not_found: { status: 404, type: "invalid_request_error", retryable: false, message: "No file has this id." },
  batch_not_found: { status: 404, type: "invalid_request_error", retryable: false, message: "No batch has this id." },
  batch_not_cancellable: { status: 409, type: "invalid_request_error", retryable: false, message: "The batch has already ended and cannot be cancelled." },
  model_not_found: { status: 404, type: "invalid_request_error", retryable: false, message: "The model does not exist." },
  operation_not_supported: { status: 400, type: "invalid_request_error", retryable: false, message: "The model does not support this operation." },
  context_length_exceeded: { status: 400, type: "invalid_request_error", retryable: false, message: "The prompt and max_tokens do not fit in the model's context window." },
  engine_overloaded: { status: 429, type: "rate_limit_error", retryable: true, message: "The model server's queue is full; retry later." },
  upstream_rate_limited: { status: 429, type: "rate_limit_error", retryable: true, message: "The upstream model server is rate limiting requests." },
  upstream_bad_request: { status: 400, type: "invalid_request_error", retryable: false, message: "The upstream model server rejected the request." },
  upstream_unavailable: { status: 503, type: "api_error", retryable: true, message: "The upstream model server is unavailable; retry later." },
  upstream_error: { status: 502, type: "api_error", retryable: true, message: "The upstream model server failed." },
  upstream_auth_failed: { status: 502, type: "api_error", retryable: false, message: "The gateway could not authenticate to the upstream model server." },
  upstream_bad_response: { status: 502, type: "api_error", retryable: true, message: "The upstream model server sent a malformed response." },
  upstream_unreachable: { status: 502, type: "api_error", retryable: true, message: "The upstream model server could not be reached." },
  upstream_stream_incomplete: { status: 502, type: "api_error", retryable: true, message: "The upstream stream ended before it was complete." },
  upstream_timeout: { status: 504, type: "timeout_error", retryable: true, message: "The upstream model server timed out." },
  no_deployment_available: { status: 503, type: "api_error", retryable: true, message: "No deployment of this model is available." },
  no_rule_matched: { status: 503, type: "api_error", retryable: false, message: "No rule answers this message and the rules have no default answer." },
  dependency_unavailable: { status: 503, type: "api_error", retryable: true, message: "A service the gateway depends on is unavailable; retry shortly." },
  shutting_down: { status: 503, type: "api_error", retryable: true, message: "The gateway is shutting down." },
  internal_error: { status: 500, type: "api_error", retryable: true, message: "Internal gateway error." },
} as const satisfies Record<string, ErrorSpec>;

/** The shape of one row of the error table. */
export interface ErrorSpec {
  readonly status: number;
  readonly type: string;
  readonly retryable: boolean;
  readonly message: string;
}

export type ErrorCode = keyof typeof errorCodes;
