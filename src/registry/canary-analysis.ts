import type { AlertLease } from "../alerts/alert-lease.js";
import type { AlertNotification } from "../alerts/alert-notification.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../pipeline/logger.js";
import type { RollupStore } from "../store/rollup-store.js";
import { analyseCanary, type CanaryAnalysis } from "./canary-decision.js";
import type { CanaryRun, CanaryStore } from "./canary-store.js";
import type { ModelRegistryService } from "./model-registry-service.js";
import type { CanaryConfig } from "./progressive-config-schema.js";

/** The actor the analysis writes registry history as. */
export const analysisActor = "analysis";

/** Drives canaries: starts them, and at each tick analyses those whose step is due. */
export interface CanaryAnalyzer {
  /** Points `canary` at the candidate and gives it its first step's share (replacing any earlier run of the model). */
  start(model: string, config: CanaryConfig, actor: string): Promise<CanaryRun>;
  /** Ends a canary by hand: its split is cleared, prod takes all traffic. */
  abort(model: string, actor: string): Promise<CanaryRun>;
  /** One round, only on the replica holding the lease: starts config canaries not yet started, analyses due steps. */
  tick(): Promise<void>;
}

export interface CanaryAnalyzerDeps {
  readonly store: CanaryStore;
  readonly registry: ModelRegistryService;
  readonly rollups: Pick<RollupStore, "rollupEvents">;
  readonly lease: AlertLease;
  /** Canaries from the config file, started once by whichever replica holds the lease first. */
  readonly configured: Readonly<Record<string, CanaryConfig>>;
  /** Sends a rollback's alert through the alert sinks. */
  readonly notify: (notification: AlertNotification) => void;
  /** The candidate's shadow agreement (rate over its comparisons), for the promotion precondition. */
  readonly shadowAgreement: (model: string, version: string) => Promise<{ rate: number | null; comparisons: number }>;
  readonly now: () => number;
  readonly logger: Logger;
}

const minuteMs = 60_000;

/** Creates the canary analysis (docs/registry.md#automatic-canary-analysis). */
export function createCanaryAnalyzer(deps: CanaryAnalyzerDeps): CanaryAnalyzer {
  const { store, registry, now } = deps;

  const resolveVersion = (model: string, target: string): number => {
    const versions = registry.snapshot().models.get(model);
    const entry = versions?.versions.get(target) ?? versions?.aliases.get(target);
    if (versions === undefined || entry === undefined) throw new GatewayError("model_version_not_found", { message: `The model "${model}" has no version or alias "${target}".` });
    if (entry === versions.prod) throw new GatewayError("registry_conflict", { message: `Version ${entry.version} of "${model}" is already prod.` });
    return entry.version;
  };
  const split = (model: string, weight: number): Promise<unknown> => registry.setSplit(model, { canary: weight, prod: 100 - weight }, analysisActor);

  async function start(model: string, config: CanaryConfig, actor: string): Promise<CanaryRun> {
    const version = resolveVersion(model, config.version);
    await registry.setAlias(model, "canary", version, actor);
    const weight = Math.min(config.step_weight, config.max_weight);
    await registry.setSplit(model, { canary: weight, prod: 100 - weight }, actor);
    const at = now();
    const run: CanaryRun = { model, version, config, status: "running", weight, failures: 0, inconclusives: 0, started_at: at, step_started_at: at, updated_at: at, last_analysis: null };
    await store.save(run);
    deps.logger.info({ model, version, weight }, "canary started");
    return run;
  }

  async function measure(run: CanaryRun, at: number): Promise<CanaryAnalysis> {
    const prod = registry.snapshot().models.get(run.model)?.prod;
    // Whole minutes from the one the canary started in: rollups are per minute, keyed by the minute's start.
    const from = Math.floor(run.started_at / minuteMs) * minuteMs;
    const side = async (version: string): Promise<Parameters<typeof analyseCanary>[0]["canary"]> => {
      const [latency, ttft] = await Promise.all([deps.rollups.rollupEvents({ model: run.model, version }, from, at, "latency"), deps.rollups.rollupEvents({ model: run.model, version }, from, at, "ttft")]);
      return { events: latency, latency, ttft };
    };
    const [canary, primary] = await Promise.all([side(String(run.version)), side(prod?.label ?? "")]);
    return analyseCanary({ canary, primary }, run.config);
  }

  async function promotionBlocker(run: CanaryRun): Promise<string | undefined> {
    const least = run.config.min_shadow_agreement;
    if (least === undefined) return undefined;
    const agreement = await deps.shadowAgreement(run.model, String(run.version));
    if (agreement.comparisons < run.config.min_shadow_comparisons || agreement.rate === null) return `shadow comparisons ${agreement.comparisons} of the ${run.config.min_shadow_comparisons} needed`;
    if (agreement.rate < least) return `shadow agreement ${agreement.rate.toFixed(3)} below ${least}`;
    return undefined;
  }

  async function rollBack(run: CanaryRun, analysis: CanaryAnalysis, at: number): Promise<CanaryRun> {
    await registry.setSplit(run.model, null, analysisActor);
    const failed = analysis.checks.filter((check) => check.verdict === "fail");
    const summary = `canary ${run.model} version ${run.version} rolled back at ${run.weight}%: ${failed.map((check) => `${check.metric} (${check.reason})`).join("; ")}`;
    deps.logger.warn({ model: run.model, version: run.version, checks: failed }, "canary rolled back");
    deps.notify(canaryNotification(run, analysis, summary, at));
    return { ...run, status: "rolled_back", failures: run.failures + 1 };
  }

  async function advance(run: CanaryRun, at: number): Promise<CanaryRun> {
    const analysis = await measure(run, at);
    const step = { ...run, last_analysis: { ...analysis, at }, step_started_at: at, updated_at: at };
    if (analysis.verdict === "fail") {
      if (run.failures + 1 > run.config.failure_limit) return rollBack(step, analysis, at);
      return { ...step, failures: run.failures + 1 };
    }
    if (analysis.verdict === "inconclusive") {
      const inconclusives = run.inconclusives + 1;
      return { ...step, inconclusives, status: inconclusives >= run.config.inconclusive_limit ? "paused" : run.status };
    }
    const passed = { ...step, inconclusives: 0, status: "running" as const };
    if (run.weight < run.config.max_weight) {
      const weight = Math.min(run.weight + run.config.step_weight, run.config.max_weight);
      await split(run.model, weight);
      return { ...passed, weight };
    }
    if (!run.config.promote) return { ...passed, status: "completed" };
    const blocker = await promotionBlocker(run);
    if (blocker !== undefined) return { ...passed, status: "paused", last_analysis: { ...analysis, at, note: `promotion waits: ${blocker}` } };
    try {
      await registry.promote(run.model, run.version, analysisActor);
    } catch (error) {
      // An unmet precondition of every promotion (registry.promotion, e.g. the eval gate): wait, never roll back.
      if (!(error instanceof GatewayError) || error.code !== "promotion_blocked") throw error;
      return { ...passed, status: "paused", last_analysis: { ...analysis, at, note: `promotion waits: ${error.message}` } };
    }
    deps.logger.info({ model: run.model, version: run.version }, "canary promoted");
    return { ...passed, status: "promoted" };
  }

  return {
    start,
    async abort(model, actor) {
      const run = await store.get(model);
      if (run === undefined || (run.status !== "running" && run.status !== "paused")) throw new GatewayError("registry_conflict", { message: `The model "${model}" has no running canary.` });
      await registry.setSplit(model, null, actor);
      const aborted: CanaryRun = { ...run, status: "aborted", updated_at: now() };
      await store.save(aborted);
      return aborted;
    },
    async tick() {
      if (!(await deps.lease.acquire(now()))) return;
      for (const [model, config] of Object.entries(deps.configured)) {
        const existing = await store.get(model);
        if (existing !== undefined && existing.started_at > 0 && JSON.stringify(existing.config) === JSON.stringify(config)) continue;
        await start(model, config, "config").catch((error: unknown) => deps.logger.warn({ err: error, model }, "configured canary not started"));
      }
      for (const run of await store.active()) {
        const at = now();
        if (at - run.step_started_at < run.config.interval) continue;
        await store.save(await advance(run, at));
      }
    },
  };
}

/** A rollback as an alert: the sinks' notification shape, the canary's numbers in its labels and summary. */
function canaryNotification(run: CanaryRun, analysis: CanaryAnalysis, summary: string, at: number): AlertNotification {
  const errors = analysis.checks.find((check) => check.metric === "error_rate");
  const counts = { total: analysis.canary_requests, good: analysis.canary_requests - Math.round((errors?.canary ?? 0) * analysis.canary_requests) };
  const window = `${Math.round(run.config.interval / 1000)}s`;
  return {
    fingerprint: `canary:${run.model}:${run.version}:${run.started_at}`,
    status: "firing",
    slo: `canary:${run.model}`,
    severity: "page",
    objective: 100 * (1 - run.config.max_error_rate_delta),
    window: { long: window, short: window, factor: 1 },
    labels: { alertname: "GantryCanaryRolledBack", model: run.model, version: String(run.version), weight: String(run.weight), severity: "page" },
    summary,
    burnRates: { long: 0, short: 0 },
    counts: { long: counts, short: counts },
    startsAt: new Date(at).toISOString(),
    explorerUrl: `/admin/requests?model=${encodeURIComponent(run.model)}&version=${run.version}`,
  };
}
