import type { DriftConfig } from "../drift/drift-config-schema.js";
import { createDriftDetector, type DriftDetector } from "../drift/drift-detector.js";
import { createDriftSampler, type DriftSampler } from "../drift/drift-sampler.js";
import { createAdminDriftRoutes } from "../http/routes/admin-drift-route.js";
import type { MethodHandlers } from "../http/route-table.js";
import type { GatewayStore } from "../store/gateway-store.js";
import type { Logger } from "../telemetry/logger.js";

/** Drift detection, wired: the sampler (a stage and a request-end listener), the detector and GET /admin/drift. */
export interface Drift {
  readonly sampler: DriftSampler;
  /** `detector.driftSummary` is the alerts' context port. */
  readonly detector: DriftDetector;
  readonly adminRoutes: Map<string, MethodHandlers>;
}

/** Builds drift detection over the gateway's database from the `drift:` slice. */
export function createDrift(config: DriftConfig, models: readonly string[], store: GatewayStore, now: () => number, logger: Logger): Drift {
  let lastWarnAt = -Infinity;
  const sampler = createDriftSampler({
    store,
    models,
    perBucket: config.sampling.per_bucket,
    bucketMs: config.sampling.bucket,
    flushIntervalMs: config.sampling.flush_interval,
    retentionMs: config.retention_days * 86_400_000,
    now,
    onError(error) {
      // One warning a minute at most: a database outage must not become a log flood.
      if (Date.now() - lastWarnAt < 60_000) return;
      lastWarnAt = Date.now();
      logger.warn({ err: error }, "writing drift samples failed: those samples are lost");
    },
  });
  const detector = createDriftDetector({ store, config, now, beforeRead: () => sampler.flush() });
  return { sampler, detector, adminRoutes: createAdminDriftRoutes(detector) };
}
