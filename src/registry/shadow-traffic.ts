import { createHash } from "node:crypto";
import type { Logger } from "../pipeline/logger.js";
import type { AnswerStage, PipelineRequest } from "../pipeline/answer.js";
import { observeStream } from "../pipeline/stream-tap.js";
import type { RequestContext } from "../pipeline/request-context.js";
import { stableStringify } from "../cache/canonical-request.js";
import type { TimeoutsConfig } from "../providers/deployment-config-schema.js";
import type { Usage } from "../protocol/openai-responses.js";
import type { Random } from "../routing/clock.js";
import type { RoutingTable, RoutingTableConfig } from "../routing/routing-table.js";
import type { ScorerServices } from "../evals/scorers/scorer.js";
import type { ModelVersionChoice } from "../routing/model-version-resolver.js";
import type { ShadowConfig } from "./progressive-config-schema.js";
import type { RegistrySnapshot, VersionEntry } from "./registry-snapshot.js";
import { callModel, choiceText, usageOf, withDeadline } from "./shadow-call.js";
import { runShadowJob, shadowScorerServices, type ShadowJob, type ShadowOutcome } from "./shadow-job.js";
import type { ShadowStore } from "./shadow-store.js";
import { createShadowThread, type ShadowTarget } from "./shadow-thread.js";

/** What was dropped or skipped, per model, since start (this replica). */
export interface ShadowCounters {
  mirrored: number;
  dropped_concurrency: number;
  dropped_budget: number;
  spent_usd_today: number;
}

/** Mirrors sampled requests to a candidate version once the client has its answer (docs/registry.md#shadow-traffic). */
export interface ShadowTraffic {
  /** The innermost stage: notes the request as the primary's deployments get it and the primary's answer text. */
  readonly stage: AnswerStage;
  /** The registry's answered hook: queues the shadow call at low priority. */
  answered(context: RequestContext, choice: ModelVersionChoice): void;
  counters(model: string): ShadowCounters;
  /** Resolves once no shadow call is queued or in flight (tests and shutdown). */
  idle(): Promise<void>;
  /** Stops mirroring; calls in flight end unstored. */
  close(): Promise<void>;
}

export interface ShadowTrafficDeps {
  readonly configs: Readonly<Record<string, ShadowConfig>>;
  readonly snapshot: () => RegistrySnapshot;
  readonly routing: RoutingTable;
  /**
   * A model's routing policy as configured, for the shadow thread to build candidates with; undefined keeps every shadow
   * call of that model on the main thread.
   */
  readonly policy: (model: string) => ShadowPolicy | undefined;
  readonly store: ShadowStore;
  /** The USD cost of an answer of `model` with `usage`. */
  readonly cost: (model: string, usage: Usage | undefined) => number;
  readonly now: () => number;
  readonly random: Random;
  readonly logger: Logger;
}

/** What the shadow thread needs besides a version's deployments to route to them as the main thread would. */
export interface ShadowPolicy {
  readonly model: Omit<RoutingTableConfig["models"][number], "deployments" | "fallbacks" | "fast_path">;
  readonly globalTimeouts: TimeoutsConfig;
}

interface Capture {
  readonly request: PipelineRequest;
  readonly config: ShadowConfig;
  text: string;
}

const dayMs = 86_400_000;

/** Creates shadow traffic over the registry's snapshot; models without a `registry.shadow` entry cost one map lookup. */
export function createShadowTraffic(deps: ShadowTrafficDeps): ShadowTraffic {
  const configs = new Map(Object.entries(deps.configs));
  const captures = new WeakMap<RequestContext, Capture>();
  const counters = new Map<string, ShadowCounters & { day: number }>();
  const stopped = new AbortController();
  let pending = 0;
  const inFlight = new Map<string, number>();
  const idleWaiters: Array<() => void> = [];

  const countersOf = (model: string): ShadowCounters & { day: number } => {
    const day = Math.floor(deps.now() / dayMs);
    let entry = counters.get(model);
    if (entry === undefined) counters.set(model, (entry = { mirrored: 0, dropped_concurrency: 0, dropped_budget: 0, spent_usd_today: 0, day }));
    if (entry.day !== day) Object.assign(entry, { day, spent_usd_today: 0 });
    return entry;
  };
  const settle = (): void => {
    if (--pending === 0) for (const wake of idleWaiters.splice(0)) wake();
  };

  const services = (config: ShadowConfig, requestId: string): ScorerServices =>
    shadowScorerServices(async (model, messages) => {
      const router = deps.routing.get(model);
      if (router === undefined) throw new Error(`the judge model "${model}" is not configured`);
      const result = await withDeadline(stopped.signal, config.timeout_ms, (signal) => callModel(deps.routing, router, "chat", { model, messages: messages.map((message) => ({ ...message })), temperature: 0 }, signal, requestId));
      return { text: choiceText(result.body), costUsd: deps.cost(model, usageOf(result)) };
    }, config.judge_model);

  const thread = createShadowThread();
  if (configs.size > 0) thread.warm();
  const threadTargets = new WeakMap<VersionEntry, ShadowTarget | null>();
  /**
   * The candidate as the shadow thread builds it, or null to call it here: the judge is a model of the main thread's,
   * and only HTTP deployments can be rebuilt there (an embedded engine or rules file is the main thread's own).
   */
  const threadTarget = (target: VersionEntry): ShadowTarget | null => {
    let found = threadTargets.get(target);
    if (found !== undefined) return found;
    const policy = deps.policy(target.model);
    const { deployments } = target.spec;
    found = null;
    if (policy !== undefined && deployments.every((deployment) => deployment.provider === "openai-compatible")) {
      const { routing, retry, breaker, timeouts } = policy.model;
      const identity = stableStringify({ deployments, routing, retry, breaker, timeouts, globalTimeouts: policy.globalTimeouts });
      const key = `${target.model}#${target.label}#${createHash("sha256").update(identity).digest("base64url")}`;
      found = { key, model: target.model, deployments, routing, retry, breaker, timeouts, globalTimeouts: policy.globalTimeouts };
    }
    threadTargets.set(target, found);
    return found;
  };

  async function mirror(context: RequestContext, choice: ModelVersionChoice, capture: Capture): Promise<void> {
    const { config } = capture;
    const model = choice.model;
    const entry = deps.snapshot().models.get(model);
    const target = entry?.versions.get(config.version) ?? entry?.aliases.get(config.version);
    // A request the candidate served itself (a canary share, a pin) has nothing to be compared with.
    if (target === undefined || target.label === choice.version) return;
    const count = countersOf(model);
    if (count.spent_usd_today >= config.budget_usd_per_day) {
      count.dropped_budget++;
      return;
    }
    const busy = inFlight.get(model) ?? 0;
    if (busy >= config.max_concurrency) {
      count.dropped_concurrency++;
      return;
    }
    inFlight.set(model, busy + 1);
    count.mirrored++;
    const { stream: _stream, stream_options: _options, ...rest } = capture.request.body;
    const request = target.transform({ operation: capture.request.operation, body: { ...rest, model } });
    const job: ShadowJob = {
      operation: request.operation === "completion" ? "completion" : "chat",
      body: request.body,
      reference: capture.text,
      scoring: config,
      requestId: `${context.id}-shadow`,
    };
    const onThread = config.scorer === "judge" ? null : threadTarget(target);
    let outcome: ShadowOutcome;
    try {
      outcome = onThread === null ? await runShadowJob(deps.routing, target.router, job, stopped.signal, services(config, `${context.id}-judge`)) : await thread.run(onThread, job);
    } finally {
      inFlight.set(model, (inFlight.get(model) ?? 1) - 1);
    }
    const cost = deps.cost(model, outcome.usage) + outcome.scoringCostUsd;
    countersOf(model).spent_usd_today += cost;
    if (stopped.signal.aborted) return;
    const clip = (text: string): string => text.slice(0, config.max_stored_chars);
    await deps.store.insert({
      model,
      primary_version: choice.version,
      shadow_version: target.label,
      at: deps.now(),
      scorer: config.scorer,
      score: outcome.score,
      agree: outcome.agree,
      request: clip(JSON.stringify(request.body)),
      primary_output: clip(capture.text),
      shadow_output: outcome.output === null ? null : clip(outcome.output),
      shadow_latency_ms: outcome.latencyMs,
      shadow_cost_usd: cost,
      error: outcome.error,
    });
  }

  return {
    stage: {
      name: "shadow",
      async run(context, request, next) {
        const config = configs.get(request.body.model);
        if (config === undefined || request.operation === "embedding" || deps.random() * 100 >= config.percent) return next(request);
        const answer = await next(request);
        const capture: Capture = { request, config, text: "" };
        captures.set(context, capture);
        if (answer.kind === "json") {
          capture.text = choiceText(answer.result.body);
          return answer;
        }
        // The tap only reads each part as it passes: the client's stream is the same parts, in the same order.
        return observeStream(answer, { part: (part) => (capture.text += choiceText(part.chunk)) });
      },
    },
    answered(context, choice) {
      const capture = captures.get(context);
      if (capture === undefined || stopped.signal.aborted) return;
      captures.delete(context);
      pending++;
      let started = false;
      const start = (): void => {
        if (started) return;
        started = true;
        mirror(context, choice, capture)
          .catch((error: unknown) => deps.logger.warn({ err: error, model: choice.model }, "shadow comparison not stored"))
          .finally(settle);
      };
      // Only once the answer's last bytes are handed to the socket ('finish'), and then behind the I/O callbacks already
      // due (setImmediate): the shadow call never competes with the client's own response.
      const response = context.response;
      // A client gone before that (no 'finish') still leaves a comparison to make: 'close' then starts it.
      if (response.writableFinished || response.destroyed) setImmediate(start);
      else for (const event of ["finish", "close"]) response.once(event, () => setImmediate(start));
    },
    counters(model) {
      const { day: _day, ...rest } = countersOf(model);
      return rest;
    },
    idle: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close() {
      stopped.abort(new Error("shadow traffic stopped"));
      return thread.close();
    },
  };
}
