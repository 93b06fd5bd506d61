import type { Clock } from "./clock.js";
import type { EjectionConfig } from "./routing-config-schema.js";

/**
 * Passive outlier ejection for one deployment (Envoy's outlier detection, acting on the first failures): after
 * `consecutive_failures` failures in a row, or one transport failure, the deployment leaves rotation for a period that
 * doubles with each ejection in a row. It sits on top of the breaker, which needs more evidence and stays as the
 * backstop when every deployment fails.
 */
export interface OutlierEjection {
  /** Whether the deployment is ejected now. */
  ejected(): boolean;
  success(): void;
  /** `transport`: refused, reset or timed out, which ejects at once. */
  failure(transport: boolean): void;
}

/**
 * Creates the ejection state; `canEject` says whether another deployment of the model could take the traffic now
 * (never eject the last one). Disabled config gives one that never ejects.
 */
export function createOutlierEjection(config: EjectionConfig, clock: Clock, canEject: () => boolean): OutlierEjection {
  if (!config.enabled) return neverEjected;
  let consecutive = 0;
  let ejections = 0;
  let until = -Infinity;
  return {
    ejected: () => clock.now() < until,
    success() {
      consecutive = 0;
      ejections = 0;
    },
    failure(transport) {
      consecutive++;
      if (clock.now() < until || (!transport && consecutive < config.consecutive_failures) || !canEject()) return;
      ejections++;
      consecutive = 0;
      until = clock.now() + Math.min(config.base_ms * 2 ** Math.min(ejections - 1, 20), config.max_ms);
    },
  };
}

const neverEjected: OutlierEjection = { ejected: () => false, success: () => undefined, failure: () => undefined };
