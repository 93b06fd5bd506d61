import type { Schedule } from "./clock.js";
import type { DeploymentHealth } from "./deployment-health.js";
import type { DeploymentState } from "./deployment-state.js";
import { parsePrometheusLoad } from "./prometheus-load.js";
import type { HealthCheckConfig } from "./routing-config-schema.js";

/** The fetch the probes use; injected so tests can stub the network. */
export type Fetch = typeof globalThis.fetch;

/** A deployment's active health check: probes on a timer and flips its `health` after enough results in a row. */
export interface HealthCheck {
  /** Probes once now (the timer does this every `interval_ms` once started). */
  probe(): Promise<void>;
  start(): void;
  /** Stops the timer and aborts a probe in flight; idempotent. */
  stop(): void;
}

export interface HealthCheckOptions {
  state: DeploymentState;
  health: DeploymentHealth;
  config: HealthCheckConfig;
  fetch: Fetch;
  /** The timers probes run on; real, unref'd ones by default. */
  schedule?: Schedule;
  /** Called when the deployment goes out of or back into rotation (for logs). */
  onChange?: (state: DeploymentState, healthy: boolean) => void;
}

/** Metrics bodies beyond this are not parsed: bounded memory even if an upstream misbehaves. */
const maxMetricsBytes = 4 * 1024 * 1024;

/** Real timers, unref'd so a pending probe never holds the process open. */
const backgroundSchedule: Schedule = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** Creates the probe for one HTTP deployment; it does nothing until `start()` or `probe()`. */
export function createHealthCheck(options: HealthCheckOptions): HealthCheck {
  const { state, health, config } = options;
  const upstream = state.deployment.upstream;
  const base = (upstream?.baseUrl ?? "").replace(/\/+$/, "");
  const probeUrl = `${base}${config.path}`;
  const metricsUrl = config.metrics_path === undefined || base === "" ? undefined : `${new URL(base).origin}${config.metrics_path}`;
  const headers = upstream?.headers ?? {};
  const stopper = new AbortController();
  const later = options.schedule ?? backgroundSchedule;
  let cancel: (() => void) | undefined;
  let passed = 0;
  let failed = 0;

  function signal(): AbortSignal {
    return AbortSignal.any([stopper.signal, AbortSignal.timeout(config.timeout_ms)]);
  }

  async function get(url: string): Promise<Response | undefined> {
    try {
      return await options.fetch(url, { headers, signal: signal() });
    } catch {
      return undefined;
    }
  }

  function record(ok: boolean): void {
    if (ok) {
      failed = 0;
      passed++;
      if (!health.healthy && passed >= config.healthy_after) change(true);
    } else {
      passed = 0;
      failed++;
      health.externalLoad = 0;
      if (health.healthy && failed >= config.unhealthy_after) change(false);
    }
  }

  function change(healthy: boolean): void {
    health.healthy = healthy;
    options.onChange?.(state, healthy);
  }

  async function scrapeLoad(): Promise<void> {
    if (metricsUrl === undefined) return;
    const response = await get(metricsUrl);
    const length = Number(response?.headers.get("content-length") ?? 0);
    if (response === undefined || !response.ok || length > maxMetricsBytes) {
      await cancelBody(response);
      health.externalLoad = 0;
      return;
    }
    const reported = parsePrometheusLoad(await response.text().catch(() => ""));
    // The server counts our own in-flight requests too; only the rest is load we cannot see.
    health.externalLoad = reported === undefined ? 0 : Math.max(0, reported - state.inFlight);
  }

  async function probe(): Promise<void> {
    const response = await get(probeUrl);
    // Drain nothing: the body is irrelevant, and cancelling frees the connection at once.
    await cancelBody(response);
    if (stopper.signal.aborted) return;
    record(response?.ok === true);
    if (response?.ok === true) await scrapeLoad();
  }

  /** A probe from the timer: nothing it throws may become an unhandled rejection. */
  function timedProbe(): void {
    void probe()
      .catch(() => undefined)
      .finally(schedule);
  }

  function schedule(): void {
    if (stopper.signal.aborted) return;
    // A timeout chain, not an interval: a slow probe never overlaps the next one.
    cancel = later(timedProbe, config.interval_ms);
  }

  return {
    probe,
    start() {
      if (cancel !== undefined || stopper.signal.aborted) return;
      // The first probe goes at once, so a replica that is down at startup leaves rotation within unhealthy_after probes.
      cancel = later(timedProbe, 0);
    },
    stop() {
      cancel?.();
      stopper.abort();
    },
  };
}

/** Frees the connection of a response whose body is not read; a failing cancel (socket already gone) is no error. */
async function cancelBody(response: Response | undefined): Promise<void> {
  await response?.body?.cancel().catch(() => undefined);
}
