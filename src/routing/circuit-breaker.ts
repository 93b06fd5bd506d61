import type { BreakerConfig } from "./routing-config-schema.js";
import type { Clock } from "./clock.js";
import { createSlidingCounts } from "./sliding-counts.js";

export type BreakerState = "closed" | "open" | "half-open";

/** A per-deployment circuit breaker: closed → open → half-open (limited probes) → closed or open again. */
export interface CircuitBreaker {
  state(): BreakerState;
  /** Whether a request may go now; does not reserve a probe. */
  available(): boolean;
  /** Reserves the slot for a request that is about to go (a probe when half-open). */
  acquire(): void;
  success(): void;
  failure(): void;
  /** The request ended without saying anything about health (e.g. the client went away). */
  release(): void;
}

/** Creates a breaker; `config` undefined or `enabled: false` gives one that is always closed. */
export function createCircuitBreaker(config: BreakerConfig | undefined, clock: Clock): CircuitBreaker {
  if (config === undefined || !config.enabled) return alwaysClosed;
  const settings = config;
  const window = createSlidingCounts(["requests", "failures"], settings.window_ms, clock);
  let state: BreakerState = "closed";
  let openedAt = 0;
  let consecutive = 0;
  let probes = 0;

  function refresh(): BreakerState {
    if (state === "open" && clock.now() - openedAt >= settings.cooldown_ms) {
      state = "half-open";
      probes = 0;
    }
    return state;
  }

  function open(): void {
    state = "open";
    openedAt = clock.now();
    consecutive = 0;
    probes = 0;
    window.reset();
  }

  function endProbe(): void {
    if (probes > 0) probes--;
  }

  return {
    state: refresh,
    available() {
      const now = refresh();
      return now === "closed" || (now === "half-open" && probes < settings.half_open_probes);
    },
    acquire() {
      if (refresh() === "half-open") probes++;
    },
    success() {
      if (refresh() === "half-open") {
        endProbe();
        state = "closed";
        consecutive = 0;
        window.reset();
        return;
      }
      consecutive = 0;
      window.add("requests");
    },
    failure() {
      const now = refresh();
      if (now === "half-open") return open();
      if (now === "open") return;
      consecutive++;
      window.add("requests");
      window.add("failures");
      const { requests, failures } = window.totals();
      if (consecutive >= settings.consecutive_failures || (requests >= settings.min_requests && failures / requests >= settings.error_rate)) open();
    },
    release() {
      if (state === "half-open") endProbe();
    },
  };
}

const alwaysClosed: CircuitBreaker = {
  state: () => "closed",
  available: () => true,
  acquire: () => undefined,
  success: () => undefined,
  failure: () => undefined,
  release: () => undefined,
};
