import type { Schedule } from "./clock.js";
import { createHealthCheck, type Fetch, type HealthCheck } from "./health-check.js";
import type { DeploymentState } from "./deployment-state.js";
import type { RoutingTable } from "./routing-table.js";

/** Every probed deployment's health check, started together and stopped together. */
export interface HealthChecks {
  readonly checks: readonly HealthCheck[];
  stop(): void;
}

export interface HealthChecksOptions {
  fetch?: Fetch;
  /** The timers probes run on (a fake clock's in tests). */
  schedule?: Schedule;
  onChange?: (state: DeploymentState, healthy: boolean) => void;
}

/** Starts a health check per deployment whose model configures `routing.health_check`; stop() ends them all. */
export function startHealthChecks(table: RoutingTable, options: HealthChecksOptions = {}): HealthChecks {
  const checks: HealthCheck[] = [];
  for (const router of table.list()) {
    const config = router.healthCheck;
    if (config === undefined) continue;
    for (const state of router.states) {
      if (state.health === undefined) continue;
      checks.push(
        createHealthCheck({
          state,
          health: state.health,
          config,
          fetch: options.fetch ?? globalThis.fetch,
          ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
          ...(options.onChange === undefined ? {} : { onChange: options.onChange }),
        }),
      );
    }
  }
  for (const check of checks) check.start();
  return { checks, stop: () => checks.forEach((check) => check.stop()) };
}
