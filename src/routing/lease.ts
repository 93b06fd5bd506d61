import { ClientAbortedError, GatewayError } from "../errors/gateway-error.js";
import type { Clock } from "./clock.js";
import type { DeploymentState } from "./deployment-state.js";

/** One attempt's hold on a deployment: counts it in flight and reports its outcome to the breaker and latency. */
export interface Lease {
  readonly state: DeploymentState;
  /** The first byte (or stream part) arrived: latency strategies learn time to first token from this. */
  firstByte(): void;
  succeed(): void;
  fail(error: unknown): void;
  /** Ends the attempt without a verdict (the client went away). */
  abandon(): void;
}

/** Begins an attempt on a deployment; exactly one of succeed/fail/abandon ends it (later calls are ignored). */
export function beginLease(state: DeploymentState, clock: Clock): Lease {
  const startedAt = clock.now();
  let firstByteAt: number | undefined;
  let ended = false;
  state.inFlight++;
  state.breaker.acquire();

  function end(): boolean {
    if (ended) return false;
    ended = true;
    state.inFlight--;
    return true;
  }

  return {
    state,
    firstByte() {
      firstByteAt ??= clock.now();
    },
    succeed() {
      if (!end()) return;
      state.breaker.success();
      state.ejection.success();
      state.latency.observe((firstByteAt ?? clock.now()) - startedAt);
    },
    fail(error) {
      if (!end()) return;
      const verdict = classify(error);
      if (verdict === "neutral") return state.breaker.release();
      if (verdict === "alive") {
        state.ejection.success();
        return state.breaker.success();
      }
      state.breaker.failure();
      state.ejection.failure(isTransportFailure(error));
      // A replica that fails fast must not look fast to the latency strategy.
      state.latency.observe(Math.max(clock.now() - startedAt, state.latency.value() * 2) + 100);
    },
    abandon() {
      if (end()) state.breaker.release();
    },
  };
}

/** Refused, reset or timed out: the deployment is not answering at all, so one such failure is enough to eject it. */
function isTransportFailure(error: unknown): boolean {
  return error instanceof GatewayError && (error.code === "upstream_unreachable" || error.code === "upstream_timeout");
}

/**
 * What a failure says about the deployment's health: rate limiting and client aborts say nothing (Retry-After handles
 * the former); a non-retryable answer (e.g. 400) proves the server is up; everything else counts against it.
 */
function classify(error: unknown): "unhealthy" | "neutral" | "alive" {
  if (error instanceof ClientAbortedError) return "neutral";
  if (!(error instanceof GatewayError)) return "unhealthy";
  if (error.code === "shutting_down" || error.status === 429) return "neutral";
  return error.retryable ? "unhealthy" : "alive";
}
