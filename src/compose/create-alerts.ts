import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { AlertContextSource } from "../alerts/alert-context-source.js";
import { createAlertDelivery } from "../alerts/alert-delivery.js";
import { createAlertEvaluator } from "../alerts/alert-evaluator.js";
import { createAlertLease } from "../alerts/alert-lease.js";
import { createAlertStore } from "../alerts/alert-store.js";
import type { AlertsConfig } from "../alerts/alerts-config-schema.js";
import { createAlertSinks } from "../alerts/create-alert-sinks.js";
import type { AlertableSlo, SliSource } from "../alerts/sli-source.js";
import { startAlertJob } from "../alerts/start-alert-job.js";
import { createAdminAlertsRoutes } from "../http/routes/admin-alerts-routes.js";
import type { MethodHandlers } from "../http/route-table.js";
import type { Logger } from "../pipeline/logger.js";
import type { Sleep } from "../routing/abortable-sleep.js";
import type { Schedule } from "../routing/clock.js";
import type { SqlStatements } from "../store/sql-executor.js";

/** What the alerts evaluate: the SLOs, their SLI counts, and optionally the context a firing alert carries. */
export interface AlertTargets {
  readonly slos: readonly AlertableSlo[];
  readonly sli: SliSource;
  readonly context?: AlertContextSource;
  /** Runs before each round this replica leads (flushes its rollups). */
  readonly beforeRound?: () => Promise<void>;
}

export interface AlertsDeps {
  readonly sql: SqlStatements;
  /** Absent: nothing is evaluated, /admin/alerts still serves the stored state and history. */
  readonly targets: AlertTargets | undefined;
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly schedule: Schedule;
  readonly sleep: Sleep;
}

/** The running alerting: its admin route and a stop that ends the job, gives up the lease and stops delivery. */
export interface Alerts {
  readonly adminRoutes: Map<string, MethodHandlers>;
  close(): Promise<void>;
}

// The lease outlives a few missed rounds so a slow round does not hand alerting to another replica.
const leaseRounds = 3;

/** Builds the alert store, the lease, the sinks and their delivery, and starts the evaluation job (docs/alerts.md). */
export function createAlerts(config: AlertsConfig, deps: AlertsDeps): Alerts {
  const { logger } = deps;
  const store = createAlertStore(deps.sql);
  const adminRoutes = createAdminAlertsRoutes(store);
  const targets = deps.targets;
  if (targets === undefined) return { adminRoutes, close: async () => undefined };
  const lease = createAlertLease(deps.sql, { name: "alerts", holder: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`, ttlMs: leaseRounds * config.evaluation_interval });
  const delivery = createAlertDelivery({ sinks: createAlertSinks(config.sinks, logger), config: config.delivery, logger, sleep: deps.sleep });
  const evaluator = createAlertEvaluator({
    store,
    lease,
    ...targets,
    delivery,
    config,
    now: deps.now,
    onError: (error, slo) => logger.warn({ err: error, slo }, "SLO alert evaluation failed"),
  });
  const stop = startAlertJob(evaluator, { intervalMs: config.evaluation_interval, schedule: deps.schedule, onError: (error) => logger.warn({ err: error }, "SLO alert round failed") });
  return {
    adminRoutes,
    async close() {
      stop();
      delivery.close();
      await lease.release().catch((error: unknown) => logger.warn({ err: error }, "releasing the alert lease failed"));
    },
  };
}
