/** The gateway's event-loop delay since the previous scrape, in milliseconds (prom-client resets it on each scrape). */
export interface LoopDelay {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
}

/**
 * Scrapes the gateway's `/metrics` for prom-client's event-loop delay gauges. prom-client resets its
 * `monitorEventLoopDelay` histogram on every scrape, so a scrape before a phase starts it afresh and one after it
 * reads the longest main-thread stall of that phase: what the gateway controls, unlike client p99s on a shared host.
 */
export async function scrapeLoopDelay(baseUrl: string): Promise<LoopDelay> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const gauge = (name: string): number => {
    const value = new RegExp(`^nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1];
    return value === undefined ? Number.NaN : Math.round(Number(value) * 1e5) / 100;
  };
  return { maxMs: gauge("max"), p99Ms: gauge("p99"), meanMs: gauge("mean") };
}
