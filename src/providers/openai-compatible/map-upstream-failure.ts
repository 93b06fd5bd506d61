import { ClientAbortedError, GatewayError, UpstreamError } from "../../errors/gateway-error.js";
import type { ErrorCode } from "../../errors/codes.js";
import { parseRetryAfter } from "../../protocol/parse-retry-after.js";

const maxBodyInError = 2048;

/** Maps a non-2xx upstream answer to the gateway's error table, keeping status, body and Retry-After. */
export function mapUpstreamStatus(provider: string, status: number, headers: Record<string, string | string[] | undefined>, body: string): UpstreamError {
  const upstreamMessage = readErrorMessage(body);
  const code: ErrorCode =
    status === 429 ? "upstream_rate_limited"
    : status === 503 ? "upstream_unavailable"
    : status === 401 || status === 403 ? "upstream_auth_failed"
    : status === 400 || status === 404 || status === 409 || status === 413 || status === 422 ? "upstream_bad_request"
    : "upstream_error";
  const retryAfterMs = parseRetryAfter(headers["retry-after"]);
  return new UpstreamError(code, {
    provider,
    upstreamStatus: status,
    upstreamBody: body.slice(0, maxBodyInError),
    // Client mistakes the upstream caught (context too long, bad schema) keep their status and message.
    ...(code === "upstream_bad_request" ? { status, message: upstreamMessage ?? `upstream answered ${status}` } : {}),
    ...((code === "upstream_error" || code === "upstream_unavailable") && upstreamMessage !== undefined ? { message: `upstream answered ${status}: ${upstreamMessage}` } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** Maps a thrown transport error (undici codes, aborts) to the gateway's error table. */
export function mapTransportFailure(provider: string, error: unknown, clientSignal: AbortSignal, callSignal: AbortSignal): Error {
  // The gateway itself aborts the client signal with a GatewayError when shutting down; a real disconnect has no such reason.
  if (clientSignal.aborted) return clientSignal.reason instanceof GatewayError ? clientSignal.reason : new ClientAbortedError();
  if (callSignal.aborted && callSignal.reason instanceof GatewayError) return callSignal.reason;
  if (error instanceof GatewayError || error instanceof ClientAbortedError) return error;
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const detail = error instanceof Error ? error.message : String(error);
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new UpstreamError("upstream_timeout", { provider, message: "connecting to the upstream timed out", cause: error });
  if (code === "UND_ERR_HEADERS_TIMEOUT") return new UpstreamError("upstream_timeout", { provider, message: "the upstream sent no response in time", cause: error });
  if (code === "UND_ERR_BODY_TIMEOUT") return new UpstreamError("upstream_timeout", { provider, message: "the upstream went idle mid-response", cause: error });
  return new UpstreamError("upstream_unreachable", { provider, message: `the upstream could not be reached (${code || detail})`, cause: error });
}

function readErrorMessage(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === "object") {
      const error = (parsed as Record<string, unknown>)["error"];
      if (typeof error === "string") return error;
      if (error !== null && typeof error === "object") {
        const message = (error as Record<string, unknown>)["message"];
        if (typeof message === "string") return message;
      }
      const message = (parsed as Record<string, unknown>)["message"];
      if (typeof message === "string") return message;
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  const text = body.trim();
  return text === "" ? undefined : text.slice(0, 300);
}
