import type { DriftSampleRow, DriftSampleStore } from "../store/drift-sample-store.js";
import type { DriftConfig } from "./drift-config-schema.js";
import { buildDriftReport, type DriftReport, type DriftWindow } from "./drift-report.js";
import type { DriftSample } from "./drift-sample.js";

/** What `/admin/drift`, `gantry drift report` and alerts ask for; every field is optional. */
export interface DriftQuery {
  readonly model?: string;
  readonly version?: string;
  /** The current window's end (default now); its start is `to − current.window` unless `from` is given. */
  readonly from?: number;
  readonly to?: number;
}

/** One model version's verdict, short enough for an alert's body. */
export interface DriftVersionSummary {
  readonly version: string;
  readonly verdict: "drift" | "no_drift" | "not_enough_data";
  readonly dataset_drift: boolean;
  readonly drifted_features: readonly { readonly feature: string; readonly test: string; readonly statistic: number | null; readonly p_value: number | null; readonly distance: number | null; readonly psi: number | null }[];
  readonly current_samples: number;
  readonly reference_samples: number;
}

/** The drift of one model over an alert's window, per version: what the alerts' context port attaches. */
export interface DriftSummary {
  readonly model: string;
  readonly current: DriftWindow;
  readonly reference: DriftWindow;
  readonly versions: readonly DriftVersionSummary[];
  /** One line, e.g. `story@v2: drift in prompt_tokens, language (2 of 8 features)`. */
  readonly text: string;
}

/** Reads samples from the store and tests each model version's current window against its reference. */
export interface DriftDetector {
  /** The windows a query resolves to. */
  windows(query: DriftQuery): { current: DriftWindow; reference: DriftWindow };
  /** One report per model version with samples in the current window (or the one asked for). */
  reports(query: DriftQuery): Promise<DriftReport[]>;
  /** The alerts' context port: drift of `labels.model` (one version when given) with [fromMs, toMs) as the current window. */
  driftSummary(labels: { readonly model: string; readonly version?: string }, fromMs: number, toMs: number): Promise<DriftSummary>;
}

export interface DriftDetectorOptions {
  store: Pick<DriftSampleStore, "listDriftSamples" | "listDriftSeries">;
  config: DriftConfig;
  now: () => number;
  /** Runs before each read (the composition root flushes this process's sampler, so its latest samples count). */
  beforeRead?: () => Promise<void>;
}

/** Creates the detector over the sample store. */
export function createDriftDetector(options: DriftDetectorOptions): DriftDetector {
  const { config, store } = options;
  const limit = config.sampling.max_window_samples;

  function windows(query: DriftQuery): { current: DriftWindow; reference: DriftWindow } {
    const to = query.to ?? options.now();
    const from = query.from ?? to - config.current.window;
    const reference = "window" in config.reference ? { from: from - config.reference.window, to: from } : { from: config.reference.from, to: config.reference.to };
    return { current: { from, to }, reference };
  }

  async function reports(query: DriftQuery): Promise<DriftReport[]> {
    await options.beforeRead?.();
    const { current, reference } = windows(query);
    const series =
      query.model !== undefined && query.version !== undefined
        ? [{ model: query.model, version: query.version }]
        : (await store.listDriftSeries(current.from, current.to)).filter((entry) => query.model === undefined || entry.model === query.model);
    const read = async (model: string, version: string, window: DriftWindow): Promise<DriftSample[]> => (await store.listDriftSamples({ model, version, ...window, limit })).map(toSample);
    return Promise.all(
      series.map(async ({ model, version }) =>
        buildDriftReport({ model, version, current, reference, currentSamples: await read(model, version, current), referenceSamples: await read(model, version, reference), minSamples: config.min_samples }),
      ),
    );
  }

  return {
    windows,
    reports,
    async driftSummary(labels, fromMs, toMs) {
      const found = await reports({ model: labels.model, ...(labels.version === undefined ? {} : { version: labels.version }), from: fromMs, to: toMs });
      const { current, reference } = windows({ from: fromMs, to: toMs });
      const versions = found.map(summarise);
      return { model: labels.model, current, reference, versions, text: summaryText(labels.model, versions) };
    },
  };
}

function summarise(report: DriftReport): DriftVersionSummary {
  return {
    version: report.version,
    verdict: report.not_enough_data ? "not_enough_data" : report.drift_detected ? "drift" : "no_drift",
    dataset_drift: report.dataset_drift,
    drifted_features: report.features.filter((feature) => feature.drifted).map((feature) => ({ feature: feature.feature, test: feature.test ?? "", statistic: feature.statistic, p_value: feature.p_value, distance: feature.distance, psi: feature.psi })),
    current_samples: report.current.samples,
    reference_samples: report.reference.samples,
  };
}

function summaryText(model: string, versions: readonly DriftVersionSummary[]): string {
  if (versions.length === 0) return `${model}: no drift samples in the window`;
  return versions
    .map((entry) => {
      const name = entry.version === "" ? model : `${model}@${entry.version}`;
      if (entry.verdict === "not_enough_data") return `${name}: not enough data (${entry.current_samples} samples)`;
      if (entry.drifted_features.length === 0) return `${name}: no drift`;
      return `${name}: ${entry.verdict === "drift" ? "drift" : "weak drift"} in ${entry.drifted_features.map((feature) => feature.feature).join(", ")}${entry.dataset_drift ? " (dataset drift)" : ""}`;
    })
    .join("; ");
}

function toSample(row: DriftSampleRow): DriftSample {
  return {
    time: row.time,
    model: row.model,
    version: row.version,
    promptTokens: row.prompt_tokens,
    outputTokens: row.output_tokens,
    ttftMs: row.ttft_ms ?? undefined,
    language: row.language,
    script: row.script,
    finishReason: row.finish_reason,
    refusal: row.refusal,
    errorType: row.error_type,
  };
}
