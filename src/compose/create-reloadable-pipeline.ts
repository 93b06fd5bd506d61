import { createHash } from "node:crypto";
import { Counter, Gauge, type Registry } from "prom-client";
import type { PriceBook } from "../accounting/price-book.js";
import type { GatewayConfig } from "../config/schema.js";
import { ConfigError } from "../config/load-config.js";
import type { MethodHandlers } from "../http/route-table.js";
import type { PipelineDeps } from "../http/run-pipeline.js";
import { sendJson } from "../http/send.js";
import type { AnswerStage } from "../pipeline/answer.js";
import type { Logger } from "../pipeline/logger.js";
import type { Provider } from "../pipeline/provider.js";
import type { ModelRegistry, ProviderFactory } from "../providers/model-registry.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { Schedule } from "../routing/clock.js";

/** Everything built from the reloadable part of the config: swapped as one, so a request never mixes two configs. */
export interface PipelineGeneration {
  /** The config's models and their providers. */
  readonly registry: ModelRegistry;
  /** What requests route through (with the model registry on, a bare name routes to its prod version). */
  readonly routing: RoutingTable;
  readonly prices: PriceBook;
  /** The answer stages of HTTP requests, already wrapped by the observer. */
  readonly stages: readonly AnswerStage[];
  /** The answer stages of batch lines, already wrapped by the observer. */
  readonly batchStages: readonly AnswerStage[];
  /** Stops this generation's background work (health checks); its providers are retired by the holder. */
  stop(): void;
}

/** Builds a generation from config, making providers with `providers` (which hands back unchanged ones). */
export type BuildGeneration = (config: GatewayConfig, providers: ProviderFactory) => Promise<PipelineGeneration>;

export type ReloadResult = "success" | "invalid" | "error";

/** The config-derived parts of the gateway behind one holder, and the way to replace them while serving. */
export interface ReloadablePipeline {
  /** Views that read the generation in force at each call (/v1/models, /readyz, metrics, budgets' prices). */
  readonly registry: ModelRegistry;
  readonly routing: RoutingTable;
  readonly prices: PriceBook;
  /** The generation in force. */
  current(): PipelineGeneration;
  /** `fixed` plus registry, routing and stages as getters: a route reads them once, when its request starts. */
  pipelineDeps<T extends Omit<PipelineDeps, "registry" | "routing" | "stages">>(fixed: T): T & PipelineDeps;
  /** Builds the first generation; call once everything `build` uses exists. */
  start(options: { config: GatewayConfig; build: BuildGeneration; metrics: Registry }): Promise<void>;
  /** Loads a new config and swaps it in; an invalid one is logged with every problem and the old one keeps serving. Never throws. */
  reload(load: () => GatewayConfig): Promise<ReloadResult>;
  /** GET /admin/config: the generation in force, its hash and load time, and the reload counts. */
  readonly adminRoutes: ReadonlyMap<string, MethodHandlers>;
  close(): Promise<void>;
}

export interface ReloadablePipelineOptions {
  /** Makes a provider; a deployment whose config is unchanged across a reload keeps its provider (pools, engines). */
  providers: ProviderFactory;
  logger: Logger;
  /** Epoch milliseconds, for `loaded_at`. */
  now: () => number;
  /** Timers for closing retired providers. */
  schedule: Schedule;
}

/** Top-level keys a reload applies; the rest (listeners, auth, stores, telemetry, registry) take a restart. */
const reloadableKeys = new Set(["models", "timeouts", "limits"]);
/** The limits keys that choose connections and failure policies, not limits. */
const restartLimitKeys = ["backend", "redis_url", "on_redis_failure"] as const;

interface LiveProvider {
  readonly provider: Provider;
  /** How long a request may still be using it after it leaves the config. */
  readonly totalMs: number;
}

interface InForce {
  readonly generation: PipelineGeneration;
  readonly number: number;
  readonly hash: string;
  readonly loadedAt: string;
}

/**
 * Holds the current pipeline generation. A reload builds the next one beside it (unchanged deployments keep their
 * providers), swaps it in with one assignment, and stops the old one's health checks; providers that left the config
 * are closed once the longest request that may still hold them (their total timeout) is over.
 */
export function createReloadablePipeline(options: ReloadablePipelineOptions): ReloadablePipeline {
  const { logger } = options;
  let current: InForce | undefined;
  let started: { readonly config: GatewayConfig; readonly build: BuildGeneration; readonly reloads: Counter; readonly info: Gauge } | undefined;
  let live = new Map<string, LiveProvider>();
  const retiring = new Set<{ cancel: () => void; provider: Provider }>();
  const counts: Record<ReloadResult, number> = { success: 0, invalid: 0, error: 0 };
  let lastProblem: string | undefined;
  let restartPending: string[] = [];
  // Reloads run one at a time: a burst of signals and file events applies the file's last state, in order.
  let reloading: Promise<unknown> = Promise.resolve();
  let closed = false;

  const now = (): PipelineGeneration => {
    if (current === undefined) throw new Error("the pipeline has not started");
    return current.generation;
  };

  async function build(config: GatewayConfig, builder: BuildGeneration): Promise<{ generation: PipelineGeneration; providers: Map<string, LiveProvider> }> {
    const next = new Map<string, LiveProvider>();
    const providers: ProviderFactory = (deployment, modelName, timeouts) => {
      // Rules providers read their file when made: a reload makes them afresh, so it also applies edited rules.
      if (deployment.provider === "rules") {
        const made = { provider: options.providers(deployment, modelName, timeouts), totalMs: timeouts.total_ms };
        next.set(`rules#${next.size}`, made);
        return made.provider;
      }
      // Two identical deployments of a model stay two providers: the occurrence is part of the key.
      const same = JSON.stringify([modelName, deployment, timeouts]);
      let key = `${same}#0`;
      for (let occurrence = 1; next.has(key); occurrence++) key = `${same}#${occurrence}`;
      const made = live.get(key) ?? { provider: options.providers(deployment, modelName, timeouts), totalMs: timeouts.total_ms };
      next.set(key, made);
      return made.provider;
    };
    try {
      return { generation: await builder(config, providers), providers: next };
    } catch (error) {
      // Providers made only for the failed generation go; reused ones stay with the one in force.
      const kept = new Set([...live.values()].map((entry) => entry.provider));
      for (const entry of next.values()) if (!kept.has(entry.provider)) void entry.provider.close();
      throw error;
    }
  }

  function swap(config: GatewayConfig, made: { generation: PipelineGeneration; providers: Map<string, LiveProvider> }): InForce {
    const previous = current;
    const hash = configHash(config);
    current = { generation: made.generation, number: (previous?.number ?? 0) + 1, hash, loadedAt: new Date(options.now()).toISOString() };
    const kept = new Set([...made.providers.values()].map((entry) => entry.provider));
    for (const entry of live.values()) if (!kept.has(entry.provider)) retire(entry);
    live = made.providers;
    previous?.generation.stop();
    started?.info.reset();
    started?.info.set({ hash }, 1);
    return current;
  }

  function retire(entry: LiveProvider): void {
    const retired = { provider: entry.provider, cancel: options.schedule(() => (retiring.delete(retired), void entry.provider.close()), entry.totalMs) };
    retiring.add(retired);
  }

  function count(result: ReloadResult, problem?: string): ReloadResult {
    counts[result]++;
    started?.reloads.inc({ result });
    lastProblem = problem;
    return result;
  }

  async function reloadOnce(load: () => GatewayConfig): Promise<ReloadResult> {
    if (started === undefined || current === undefined) throw new Error("the pipeline has not started");
    // A signal or file event during shutdown: nothing left to build on.
    if (closed) return "error";
    let config: GatewayConfig;
    try {
      config = load();
    } catch (error) {
      if (error instanceof ConfigError) {
        logger.error({ problems: error.problems }, "config reload rejected: the config in force keeps serving");
        return count("invalid", error.message);
      }
      logger.error({ err: error }, "config reload failed while loading: the config in force keeps serving");
      return count("error", error instanceof Error ? error.message : String(error));
    }
    const previous = current;
    let made: Awaited<ReturnType<typeof build>>;
    try {
      made = await build(config, started.build);
    } catch (error) {
      logger.error({ err: error }, "config reload failed while building: the config in force keeps serving");
      return count("error", error instanceof Error ? error.message : String(error));
    }
    const next = swap(config, made);
    restartPending = restartOnlyChanges(started.config, config);
    logger.info({ generation: next.number, hash: next.hash, previous_hash: previous.hash, models: config.models.map((model) => model.name) }, "config reloaded");
    if (restartPending.length > 0) logger.warn({ keys: restartPending }, "config reload: these keys changed but take effect only after a restart");
    return count("success");
  }

  const registry: ModelRegistry = { get: (name) => now().registry.get(name), list: () => now().registry.list(), close: async () => undefined };
  const routing: RoutingTable = {
    get: (name) => now().routing.get(name),
    list: () => now().routing.list(),
    get clock() {
      return now().routing.clock;
    },
    get random() {
      return now().routing.random;
    },
    get sleep() {
      return now().routing.sleep;
    },
    get schedule() {
      return now().routing.schedule;
    },
  };
  const prices: PriceBook = { pricing: (model) => now().prices.pricing(model), worstCaseUsd: (model, prompt, output) => now().prices.worstCaseUsd(model, prompt, output) };

  return {
    registry,
    routing,
    prices,
    current: now,
    pipelineDeps: (fixed) =>
      Object.defineProperties(
        { ...fixed },
        {
          registry: { get: () => now().registry, enumerable: true },
          routing: { get: () => now().routing, enumerable: true },
          stages: { get: () => now().stages, enumerable: true },
        },
      ) as typeof fixed & PipelineDeps,
    async start({ config, build: builder, metrics }) {
      const reloads = new Counter({ name: "gantry_config_reload_total", help: "Config reloads, by result (success, invalid, error).", labelNames: ["result"], registers: [metrics] });
      for (const result of Object.keys(counts)) reloads.inc({ result }, 0);
      const info = new Gauge({ name: "gantry_config_info", help: "The config in force: 1 for its hash.", labelNames: ["hash"], registers: [metrics] });
      started = { config, build: builder, reloads, info };
      swap(config, await build(config, builder));
    },
    reload(load) {
      const result = reloading.then(() => reloadOnce(load));
      reloading = result.catch(() => undefined);
      return result;
    },
    adminRoutes: new Map([
      [
        "/admin/config",
        {
          GET: (context) =>
            sendJson(context.response, 200, {
              generation: current?.number ?? 0,
              hash: current?.hash ?? null,
              loaded_at: current?.loadedAt ?? null,
              reloads: counts,
              restart_pending: restartPending,
              ...(lastProblem === undefined ? {} : { last_problem: lastProblem }),
            }),
        },
      ],
    ]),
    async close() {
      closed = true;
      await reloading;
      current?.generation.stop();
      const open = [...new Set([...live.values()].map((entry) => entry.provider)), ...[...retiring].map((entry) => (entry.cancel(), entry.provider))];
      retiring.clear();
      await Promise.allSettled(open.map((provider) => provider.close()));
    },
  };
}

/** A short, stable fingerprint of a validated config (key order as the schema emits it). */
function configHash(config: GatewayConfig): string {
  return createHash("sha256").update(JSON.stringify(config)).digest("hex").slice(0, 16);
}

/** The keys changed since startup that a reload cannot apply. */
function restartOnlyChanges(before: GatewayConfig, after: GatewayConfig): string[] {
  const changed = Object.keys({ ...before, ...after }).filter((key) => !reloadableKeys.has(key) && JSON.stringify(before[key as keyof GatewayConfig]) !== JSON.stringify(after[key as keyof GatewayConfig]));
  for (const key of restartLimitKeys) if (JSON.stringify(before.limits[key]) !== JSON.stringify(after.limits[key])) changed.push(`limits.${key}`);
  return changed;
}
