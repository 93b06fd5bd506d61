/** How many batch lines may be in flight now, and what moves that number. */
export interface AimdBudget {
  /** Waits for a free slot; resolves with its release. */
  acquire(): Promise<() => void>;
  /** Feeds one finished line's latency: the budget halves under pressure and grows by about one per round otherwise. */
  observe(latencyMs: number): void;
  /** The current limit. */
  limit(): number;
}

export interface AimdOptions {
  min: number;
  max: number;
  /** The gateway's interactive requests in flight now. */
  interactiveInFlight: () => number;
  /** Interactive in-flight count at which batch work backs off. */
  yieldInFlight: number;
  /** Back off when a line takes longer than this multiple of the best recent line latency. */
  latencyFactor: number;
}

/** Latencies below this are noise (a local fake upstream answers in a millisecond); they never count as a slowdown. */
const noiseFloorMs = 5;

/**
 * The batch concurrency budget: additive increase, multiplicative decrease (TCP-style). Pressure is read from the
 * gateway's own signals: interactive requests in flight, and batch line latency against its recent best (a shared
 * upstream that slows down under interactive load slows batch lines too).
 */
export function createAimdBudget(options: AimdOptions): AimdBudget {
  let limit = options.min;
  let inFlight = 0;
  let best: number | undefined;
  const waiting: Array<() => void> = [];

  const release = (): void => {
    inFlight--;
    pump();
  };
  function pump(): void {
    while (inFlight < Math.floor(limit) && waiting.length > 0) {
      inFlight++;
      waiting.shift()?.();
    }
  }

  return {
    acquire() {
      return new Promise((resolve) => {
        waiting.push(() => resolve(release));
        pump();
      });
    },
    observe(latencyMs) {
      // The best latency drifts up slowly, so one lucky fast line does not hold the budget down forever.
      best = best === undefined ? latencyMs : Math.min(latencyMs, best + (latencyMs - best) * 0.05);
      const pressed = options.interactiveInFlight() >= options.yieldInFlight || latencyMs > Math.max(best, noiseFloorMs) * options.latencyFactor;
      limit = pressed ? Math.max(options.min, limit / 2) : Math.min(options.max, limit + 1 / Math.max(1, Math.floor(limit)));
      pump();
    },
    limit: () => Math.floor(limit),
  };
}
