import type { Logger } from "../pipeline/logger.js";
import type { AnswerStage, PipelineRequest } from "../pipeline/answer.js";
import { observeStream } from "../pipeline/stream-tap.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { Usage } from "../protocol/openai-responses.js";
import type { Random } from "../routing/clock.js";
import type { RoutingTable } from "../routing/routing-table.js";
import { rubricScorer } from "../evals/scorers/rubric-scorer.js";
import type { Assertion, Scorer, ScorerServices } from "../evals/scorers/scorer.js";
import { levenshteinScorer } from "../evals/scorers/similarity-scorers.js";
import { textScorers } from "../evals/scorers/text-scorers.js";
import type { ModelVersionChoice } from "../routing/model-version-resolver.js";
import type { ShadowConfig } from "./progressive-config-schema.js";
import type { RegistrySnapshot } from "./registry-snapshot.js";
import { callModel, choiceText, usageOf, withDeadline } from "./shadow-call.js";
import type { ShadowStore } from "./shadow-store.js";

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
  close(): void;
}

export interface ShadowTrafficDeps {
  readonly configs: Readonly<Record<string, ShadowConfig>>;
  readonly snapshot: () => RegistrySnapshot;
  readonly routing: RoutingTable;
  readonly store: ShadowStore;
  /** The USD cost of an answer of `model` with `usage`. */
  readonly cost: (model: string, usage: Usage | undefined) => number;
  readonly now: () => number;
  readonly random: Random;
  readonly logger: Logger;
}

interface Capture {
  readonly request: PipelineRequest;
  readonly config: ShadowConfig;
  text: string;
}

const scorers: Record<ShadowConfig["scorer"], Scorer> = { exact: textScorers.equals as Scorer, similarity: levenshteinScorer, judge: rubricScorer };
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

  const services = (config: ShadowConfig, requestId: string): ScorerServices => ({
    async judge(model, messages) {
      const router = deps.routing.get(model);
      if (router === undefined) throw new Error(`the judge model "${model}" is not configured`);
      const result = await withDeadline(stopped.signal, config.timeout_ms, (signal) => callModel(deps.routing, router, "chat", { model, messages: messages.map((message) => ({ ...message })), temperature: 0 }, signal, requestId));
      return { text: choiceText(result.body), costUsd: deps.cost(model, usageOf(result)) };
    },
    embed: () => Promise.reject(new Error("shadow scorers do not embed")),
    baseDir: ".",
    defaultProvider: config.judge_model,
  });

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
    const started = performance.now();
    let output: string | null = null;
    let cost = 0;
    let error: string | null = null;
    let score: number | null = null;
    let agree: boolean | null = null;
    try {
      const operation = request.operation === "completion" ? "completion" : "chat";
      const result = await withDeadline(stopped.signal, config.timeout_ms, (signal) => callModel(deps.routing, target.router, operation, request.body, signal, `${context.id}-shadow`));
      output = choiceText(result.body);
      cost = deps.cost(model, usageOf(result));
      const assertion: Assertion =
        config.scorer === "judge"
          ? { type: "llm-rubric", value: `The answer gives the same information as this reference answer, with no contradiction:\n${capture.text}`, weight: 1, threshold: config.threshold, provider: config.judge_model }
          : { type: config.scorer, value: capture.text, weight: 1, threshold: config.threshold };
      const outcome = await scorers[config.scorer](assertion, { output, vars: {}, latencyMs: 0, costUsd: cost, repeat: 0 }, services(config, `${context.id}-judge`));
      cost += outcome.costUsd ?? 0;
      score = outcome.score;
      agree = outcome.pass;
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    } finally {
      inFlight.set(model, (inFlight.get(model) ?? 1) - 1);
      countersOf(model).spent_usd_today += cost;
    }
    if (stopped.signal.aborted) return;
    const clip = (text: string): string => text.slice(0, config.max_stored_chars);
    await deps.store.insert({
      model,
      primary_version: choice.version,
      shadow_version: target.label,
      at: deps.now(),
      scorer: config.scorer,
      score,
      agree,
      request: clip(JSON.stringify(request.body)),
      primary_output: clip(capture.text),
      shadow_output: output === null ? null : clip(output),
      shadow_latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
      shadow_cost_usd: cost,
      error,
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
    },
  };
}
