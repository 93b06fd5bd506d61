/** Why a request failed, as counted in the report. */
export type BenchErrorType =
  | `http_${number}`
  | "timeout"
  | "cancelled"
  | "connection_refused"
  | "connection_closed"
  | "stream_error"
  | "malformed_response"
  | "truncated_stream"
  | "no_tokens"
  | "network_error";

/** Maps an error thrown by the HTTP client to a failure type. */
export function classifyNetworkError(error: unknown): BenchErrorType {
  const code = errorCode(error) ?? errorCode(error instanceof Error ? error.cause : undefined);
  switch (code) {
    case "ECONNREFUSED":
      return "connection_refused";
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return "connection_closed";
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return "timeout";
    default:
      return "network_error";
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

/** A one-line description of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
