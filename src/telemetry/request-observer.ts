import { performance } from "node:perf_hooks";
import { SpanStatusCode } from "@opentelemetry/api";
import type { RequestLogConfig } from "../store/store-config-schema.js";
import type { MetricsConfig } from "./telemetry-config-schema.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { AnswerStage } from "../pipeline/answer.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { ModelRouter } from "../routing/model-router.js";
import type { RequestLogWriter } from "../store/request-log-writer.js";
import { storedLatency, type RequestRow } from "../store/request-row.js";
import { createAnswerBodyStage, createForwardedBodyStage } from "./answer-observer-stages.js";
import { capText } from "./cap-text.js";
import type { GatewayMetrics, RequestMeasurement } from "./gateway-metrics.js";
import { attachRequestTelemetry, createRequestTelemetry, telemetryOf } from "./request-telemetry.js";
import type { RequestOutcome, RequestOutcomeSink } from "./request-outcome.js";
import { traceStage } from "./trace-stage.js";
import { parseTraceparent } from "./traceparent.js";
import type { Tracing } from "./tracing.js";

/** The app's hooks for observability: where each request starts and ends, and the stages it adds. */
export interface RequestObserver {
  start(context: RequestContext): void;
  finish(context: RequestContext): void;
  /** The answer stages with the observer's own around them (bodies) and each traced. */
  wrapStages(stages: readonly AnswerStage[]): AnswerStage[];
}

/** The part of the gateway config the observer reads. */
export interface RequestObserverConfig {
  readonly metrics: MetricsConfig;
  readonly request_log: RequestLogConfig;
}

export interface RequestObserverDeps {
  config: RequestObserverConfig;
  routing: RoutingTable;
  metrics?: GatewayMetrics;
  tracing?: Tracing;
  requestLog?: RequestLogWriter;
  /** Features that aggregate finished requests (the SLO rollups, drift samples); each only buffers. */
  outcomeSinks?: readonly RequestOutcomeSink[];
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

const operations: Readonly<Record<string, string>> = { "/v1/chat/completions": "chat", "/v1/completions": "text_completion", "/v1/embeddings": "embeddings" };
const cacheResults = new Set(["hit", "semantic-hit", "coalesced", "miss", "bypass"]);

/** Creates the observer: metrics, traces and the request log, all recorded once per request in `finish`. */
export function createRequestObserver(deps: RequestObserverDeps): RequestObserver {
  const { config, metrics, tracing, requestLog } = deps;
  const outcomeSinks = deps.outcomeSinks ?? [];
  const now = deps.now ?? Date.now;
  const teams = new Set(config.metrics.per_team_labels);
  // Rebuilt when a config reload swaps the routing table (a new list), so new models and deployments get their labels.
  let providersOf: readonly ModelRouter[] | undefined;
  let providers = new Map<string, string>();
  const providerKind = (deployment: string): string | undefined => {
    const routers = deps.routing.list();
    if (routers !== providersOf) {
      providersOf = routers;
      providers = new Map();
      for (const router of routers) {
        for (const state of router.states) providers.set(state.deployment.id, state.deployment.provider.kind);
        providers.set(`${router.model.name}/fast-path`, "rules");
      }
    }
    return providers.get(deployment);
  };
  const bodies = config.request_log.bodies && requestLog !== undefined;
  const maxBodyBytes = config.request_log.max_body_bytes;

  return {
    start(context) {
      const path = pathOf(context);
      if (!path.startsWith("/v1/")) return;
      metrics?.requestStarted();
      const parent = tracing === undefined ? undefined : parseTraceparent(context.request.headers["traceparent"]);
      const span = tracing?.startRequest(context.startedAt, parent);
      attachRequestTelemetry(context, createRequestTelemetry(context.facts, tracing, span));
    },

    finish(context) {
      const telemetry = telemetryOf(context);
      if (telemetry === undefined) return;
      metrics?.requestEnded();
      const endedAt = performance.now();
      const { facts, response } = context;
      const path = pathOf(context);
      const aborted = !response.writableFinished;
      const status = aborted ? 499 : response.statusCode;
      const errorCode = facts.errorCode ?? (aborted ? "client_closed_request" : status >= 400 ? `http_${status}` : "");
      const durationMs = endedAt - context.startedAt;
      // The one accounting record: the same tokens and cost go to metrics, the log row and the trace.
      const record = context.account?.record;
      const cost = record?.costUsd ?? 0;
      const answeredModel = record?.answeredModel;
      // Token counts describe an answer: a request that no model answered reports none (its cost is 0).
      const usage = answeredModel === undefined ? undefined : record;
      const answeredBy = answeredModel !== undefined && answeredModel !== facts.model ? answeredModel : undefined;
      const cache = facts.cache === undefined ? undefined : cacheResults.has(facts.cache) ? facts.cache : "other";
      const operation = operations[path] ?? "";
      const model = facts.model === undefined ? "" : deps.routing.get(facts.model) !== undefined ? facts.model : "unknown";
      const provider = facts.deployment === undefined ? (cache !== undefined && cache !== "miss" && cache !== "bypass" ? "cache" : "") : (providerKind(facts.deployment) ?? "other");

      const outputTokens = usage?.completionTokens;
      const tpotMs = facts.ttftMs !== undefined && outputTokens !== undefined && outputTokens > 1 ? (durationMs - facts.ttftMs) / (outputTokens - 1) : undefined;
      if (metrics !== undefined) {
        const measurement: RequestMeasurement = {
          operation,
          provider,
          model,
          deployment: facts.deployment ?? "",
          team: teamLabel(context.principal?.team, teams),
          status,
          errorCode,
          durationSeconds: durationMs / 1000,
          ttftSeconds: facts.ttftMs === undefined ? undefined : facts.ttftMs / 1000,
          tpotSeconds: tpotMs === undefined ? undefined : tpotMs / 1000,
          overheadSeconds: facts.upstreamMs === undefined ? undefined : Math.max(0, durationMs - facts.upstreamMs) / 1000,
          inputTokens: usage?.promptTokens,
          outputTokens,
          cachedTokens: usage?.cachedPromptTokens,
          costUsd: cost,
          savedTokens: record?.savedTokens ?? 0,
          savedUsd: record?.savedUsd ?? 0,
          cache,
        };
        metrics.record(measurement);
      }

      if (outcomeSinks.length > 0) {
        const outcome: RequestOutcome = {
          endedAt: now(),
          path: path.slice(0, 200),
          model: facts.model?.slice(0, 200) ?? "",
          version: facts.modelVersion ?? "",
          deployment: facts.deployment ?? "",
          keyId: context.principal?.id ?? "",
          team: context.principal?.team ?? "",
          status,
          errorCode,
          promptTokens: usage?.promptTokens ?? 0,
          completionTokens: outputTokens ?? 0,
          cachedTokens: usage?.cachedPromptTokens ?? 0,
          costUsd: cost,
          latencyMs: durationMs,
          ttftMs: facts.ttftMs,
          tpotMs,
          finishReason: facts.finishReason?.slice(0, 64) ?? "",
        };
        for (const sink of outcomeSinks) sink.record(outcome, context);
      }

      if (requestLog !== undefined) {
        const row: RequestRow = {
          id: context.id,
          client_request_id: context.clientRequestId ?? null,
          time: now() - Math.round(durationMs),
          path: path.slice(0, 200),
          key_id: context.principal?.id ?? null,
          team: context.principal?.team ?? null,
          model: facts.model === undefined ? null : facts.model.slice(0, 200),
          model_version: facts.modelVersion ?? null,
          deployment: facts.deployment ?? null,
          answered_by: answeredBy ?? null,
          stream: facts.stream === true,
          attempts: facts.attempts ?? 0,
          status,
          error_code: errorCode === "" ? null : errorCode,
          prompt_tokens: usage?.promptTokens ?? 0,
          completion_tokens: usage?.completionTokens ?? 0,
          cached_tokens: usage?.cachedPromptTokens ?? 0,
          cost_usd: cost,
          ttft_ms: facts.ttftMs === undefined ? null : storedLatency(facts.ttftMs),
          latency_ms: storedLatency(durationMs),
          upstream_ms: facts.upstreamMs === undefined ? null : storedLatency(facts.upstreamMs),
          cache: facts.cache ?? null,
          finish_reason: facts.finishReason?.slice(0, 64) ?? null,
          request_body: bodies ? (telemetry.requestBody ?? null) : null,
          response_body: bodies ? (telemetry.responseBody ?? streamedBody(context, maxBodyBytes)) : null,
        };
        requestLog.append(row);
      }

      const span = telemetry.span;
      if (span !== undefined && tracing !== undefined) {
        if (operation !== "") tracing.startChild(span, "gantry.validate", { startTime: context.startedAt }).end(telemetry.stagesEnteredAt ?? endedAt);
        span.updateName(operation === "" ? `${context.request.method ?? "GET"} ${path}` : `${operation} ${facts.model ?? ""}`.trim());
        span.setAttributes({
          "http.request.method": context.request.method ?? "GET",
          "url.path": path,
          "http.response.status_code": status,
          "gantry.request_id": context.id,
          ...(context.clientRequestId === undefined ? {} : { "gantry.client_request_id": context.clientRequestId }),
          ...(operation === "" ? {} : { "gen_ai.operation.name": operation }),
          ...(facts.model === undefined ? {} : { "gen_ai.request.model": facts.model }),
          ...(answeredModel === undefined || facts.deployment === undefined ? {} : { "gen_ai.response.model": answeredModel }),
          ...(provider === "" ? {} : { "gen_ai.provider.name": provider }),
          ...(usage === undefined ? {} : { "gen_ai.usage.input_tokens": usage.promptTokens, "gen_ai.usage.output_tokens": usage.completionTokens, "gantry.usage.source": usage.tokensFrom }),
          ...(facts.deployment === undefined ? {} : { "gantry.deployment": facts.deployment }),
          ...(facts.modelVersion === undefined ? {} : { "gantry.model_version": facts.modelVersion }),
          ...(facts.attempts === undefined ? {} : { "gantry.attempts": facts.attempts }),
          ...(facts.cache === undefined ? {} : { "gantry.cache.result": facts.cache }),
          ...(facts.finishReason === undefined ? {} : { "gen_ai.response.finish_reasons": [facts.finishReason] }),
          ...(cost === 0 ? {} : { "gantry.cost_usd": cost }),
          ...(record === undefined || record.savedTokens === 0 ? {} : { "gantry.saved_tokens": record.savedTokens, "gantry.saved_cost_usd": record.savedUsd }),
          ...(errorCode === "" ? {} : { "error.type": errorCode }),
        });
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
        span.end(endedAt);
      }
    },

    wrapStages(stages) {
      const traced = tracing === undefined ? [...stages] : stages.map((stage) => traceStage(tracing, stage));
      return bodies ? [createAnswerBodyStage(maxBodyBytes), ...traced, createForwardedBodyStage(maxBodyBytes)] : traced;
    },
  };
}

/** A streamed answer's text for the log, from the account the stream's tap filled; null when nothing was delivered. */
function streamedBody(context: RequestContext, maxBodyBytes: number): string | null {
  const text = context.account?.deliveredText ?? "";
  return text === "" ? null : capText(text, maxBodyBytes);
}

function pathOf(context: RequestContext): string {
  const url = context.request.url ?? "/";
  const queryAt = url.indexOf("?");
  return queryAt === -1 ? url : url.slice(0, queryAt);
}

/** Teams named in `metrics.per_team_labels` keep their name; any other team is "other", no team is "none". */
function teamLabel(team: string | undefined, named: ReadonlySet<string>): string {
  if (team === undefined) return "none";
  return named.has(team) ? team : "other";
}
