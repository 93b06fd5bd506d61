import type { AlertContext, AlertContextSource } from "../alerts/alert-context-source.js";
import type { AlertableSlo, SliSource } from "../alerts/sli-source.js";
import type { DriftDetector } from "../drift/drift-detector.js";
import type { SloDefinition } from "../slo/sli-source.js";
import type { RollupSelector, RollupStore } from "../store/rollup-store.js";
import type { AlertTargets } from "./create-alerts.js";

export interface AlertTargetsDeps {
  readonly definitions: readonly SloDefinition[];
  /** The SLIs from the rollups. */
  readonly sli: SliSource;
  /** Writes this replica's buffered rollups: each round reads its latest requests too. */
  readonly flush: () => Promise<void>;
  /** The top error types of an alert's window come from the same rollups. */
  readonly rollups: Pick<RollupStore, "rollupErrorTypes">;
  /** The drift feature's detector when `drift:` is configured. */
  readonly drift: Pick<DriftDetector, "driftSummary"> | undefined;
  /** A failed drift read leaves the drift out of that alert; it is reported here. */
  onDriftError(error: unknown, labels: Readonly<Record<string, string>>): void;
}

/** How many error types an alert lists. */
const topErrorTypes = 5;

/** What the alerts evaluate, from the SLO feature (definitions, rollup SLIs) and, when configured, drift detection. */
export function createAlertTargets(deps: AlertTargetsDeps): AlertTargets {
  const slos: AlertableSlo[] = deps.definitions.map((definition) => ({ name: definition.name, objective: definition.objective, labels: { ...definition.selector } }));
  const context: AlertContextSource = {
    async context(labels, fromMs, toMs): Promise<AlertContext> {
      const selector: RollupSelector = {
        ...(labels["model"] === undefined ? {} : { model: labels["model"] }),
        ...(labels["version"] === undefined ? {} : { version: labels["version"] }),
        ...(labels["key"] === undefined ? {} : { key: labels["key"] }),
        ...(labels["team"] === undefined ? {} : { team: labels["team"] }),
      };
      const model = selector.model;
      const [topErrors, drift] = await Promise.all([
        deps.rollups.rollupErrorTypes(selector, fromMs, toMs, topErrorTypes),
        // Drift is per model (and version): a key or team SLO without a model has none.
        deps.drift === undefined || model === undefined
          ? undefined
          : deps.drift.driftSummary({ model, ...(selector.version === undefined ? {} : { version: selector.version }) }, fromMs, toMs).catch((error: unknown) => {
              deps.onDriftError(error, labels);
              return undefined;
            }),
      ]);
      return { topErrors, ...(drift === undefined ? {} : { drift }) };
    },
  };
  return { slos, sli: deps.sli, context, beforeRound: deps.flush };
}
