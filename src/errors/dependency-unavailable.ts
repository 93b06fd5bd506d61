import { GatewayError } from "./gateway-error.js";

/** The 503 a fail-closed concern answers with while a store it needs (Redis) is down; keeps one already made. */
export function dependencyUnavailable(cause: unknown): GatewayError {
  return cause instanceof GatewayError && cause.code === "dependency_unavailable"
    ? cause
    : new GatewayError("dependency_unavailable", { message: "Redis is unavailable; retry shortly.", retryAfterMs: 1000, cause });
}
