import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { GatewayConfig } from "./config/schema.js";
import { ClientAbortedError, GatewayError } from "./errors/gateway-error.js";
import { chatCompletionRequestSchema, completionRequestSchema, embeddingRequestSchema } from "./protocol/openai-requests.js";
import type { ModelRegistry } from "./providers/model-registry.js";
import { createRoutingTable, type RoutingTable } from "./routing/routing-table.js";
import type { Logger } from "./telemetry/logger.js";
import type { RequestContext, RouteHandler } from "./http/request-context.js";
import { sendError } from "./http/send.js";
import { createFastPathStage } from "./pipeline/fast-path-stage.js";
import { createGenerationRoute } from "./http/routes/generation-route.js";
import { createModelRoute, createModelsRoute } from "./http/routes/models-route.js";
import { createRouteTable, type MethodHandlers } from "./http/route-table.js";
import { createAdminGuard, type AdminGuard } from "./auth/admin-guard.js";
import { createReadyRoute, healthRoute } from "./http/routes/health-routes.js";
import type { RequestObserver } from "./telemetry/request-observer.js";
import type { AnswerStage } from "./pipeline/answer.js";
import { authenticated } from "./auth/authenticated.js";
import type { Authenticate } from "./auth/authenticate.js";
import { createPiiStage } from "./guardrails/pii-stage.js";
import { createCors } from "./http/cors.js";
import type { CacheStore } from "./cache/cache-store.js";
import { createMemoryCacheStore } from "./cache/memory-cache-store.js";
import { createCacheStage } from "./cache/cache-stage.js";
import { createRoutedEmbedder } from "./cache/routed-embedder.js";
import type { Accounting } from "./accounting/accounting.js";
import { createAccountingStage } from "./accounting/accounting-stage.js";

/** Everything the app needs from the outside world; `main.ts` builds these. */
export interface AppDeps {
  config: GatewayConfig;
  registry: ModelRegistry;
  logger: Logger;
  /** Usage and cost: one record per request for budgets, limits, metrics, traces, the log and the cost header. */
  accounting: Accounting;
  /** Per-model routing state; built from config when absent (tests inject one with a fake clock). */
  routing?: RoutingTable;
  /** Routes beyond the OpenAI API (e.g. an engine server's /metrics), by path (`:name` segments allowed) then method. */
  extraRoutes?: ReadonlyMap<string, MethodHandlers>;
  /** Admin API routes (`/admin/...`); each runs only after `adminGuard` admits the request. */
  adminRoutes?: ReadonlyMap<string, MethodHandlers>;
  /** Decides who may use the admin API; defaults to open (no admin key configured). */
  adminGuard?: AdminGuard;
  /** Metrics, traces and the request log: told where each request starts and ends, and wraps the answer stages. */
  observer?: RequestObserver;
  /** POST /v1/feedback (needs the request log, so `main.ts` builds it); absent = 404. */
  feedbackRoute?: RouteHandler;
  /** Authenticates /v1/* from headers before the body is read; absent = no auth (`auth.mode: none`). */
  authenticate?: Authenticate;
  /** authorize (scopes) → limits → budget, run before the PII guardrail and the cache. */
  accessStages?: readonly AnswerStage[];
  /** Where cached answers live; an in-memory LRU sized from `config.cache` when absent (`main.ts` builds Redis). */
  cacheStore?: CacheStore;
}

/** The gateway as a request handler plus the controls the composition root needs for shutdown. */
export interface App {
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Refuse new requests, wait for in-flight ones up to `graceMs`, then abort what is left. */
  drain(graceMs: number): Promise<void>;
  inFlight(): number;
}

/** How long aborted requests get to write their final error before connections are closed. */
const abortFlushMs = 1000;
const requestIdPattern = /^[\w.:@/+=-]{1,128}$/;

/** Builds the gateway's routes and middleware order; no I/O happens here. */
export function createApp(deps: AppDeps): App {
  const { config, registry, logger } = deps;
  const startedAtSeconds = Math.floor(Date.now() / 1000);
  const routing = deps.routing ?? createRoutingTable(config, registry);
  const cacheStore = deps.cacheStore ?? createMemoryCacheStore({ maxEntries: config.cache.max_entries, maxBytes: config.cache.max_bytes });
  const cacheStage = createCacheStage({ config, store: cacheStore, embedder: createRoutedEmbedder(routing) });
  // The answer stages in pipeline order: accounting opens the request's account first (every later stage charges
  // or settles against it); scopes, limits and budget refuse early; PII redaction runs before the cache so cached
  // entries never hold raw PII; the rules fast path answers last, before routing.
  const stages = [createAccountingStage(deps.accounting), ...(deps.accessStages ?? []), createPiiStage(config), cacheStage, createFastPathStage(routing)];
  const cors = createCors(config.server.cors);
  const generationDeps = { registry, routing, bodyLimitBytes: config.server.body_limit_bytes, stages: deps.observer?.wrapStages(stages) ?? stages };
  let draining = false;
  const active = new Set<AbortController>();
  let idle: (() => void) | undefined;

  const guard = deps.adminGuard ?? createAdminGuard(undefined);
  const adminRoutes = [...(deps.adminRoutes ?? new Map<string, MethodHandlers>())].map(([path, methods]) => [path, wrapHandlers(methods, (handler) => guarded(guard, handler))] as const);
  const routeList: (readonly [string, MethodHandlers])[] = [
    ["/v1/chat/completions", { POST: createGenerationRoute("chat", chatCompletionRequestSchema, generationDeps) }],
    ["/v1/completions", { POST: createGenerationRoute("completion", completionRequestSchema, generationDeps) }],
    ["/v1/embeddings", { POST: createGenerationRoute("embedding", embeddingRequestSchema, generationDeps) }],
    ["/v1/models", { GET: createModelsRoute(registry, startedAtSeconds) }],
    ["/v1/models/:id", { GET: createModelRoute(registry, startedAtSeconds) }],
    ...(deps.feedbackRoute === undefined ? [] : [["/v1/feedback", { POST: deps.feedbackRoute }] as const]),
    ["/healthz", { GET: healthRoute }],
    ["/readyz", { GET: createReadyRoute(registry, () => draining) }],
    ...(deps.extraRoutes ?? new Map<string, MethodHandlers>()),
    ...adminRoutes,
  ];
  // The OpenAI API needs a principal when auth is on; the wrapper is built once per route, not per request.
  const authenticate = deps.authenticate;
  const routes = createRouteTable(
    authenticate === undefined
      ? routeList
      : routeList.map(([path, methods]) => [path, path.startsWith("/v1/") ? wrapHandlers(methods, (handler) => authenticated(authenticate, handler)) : methods] as const),
  );

  function untilIdle(timeoutMs: number): Promise<void> {
    if (active.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  function finish(context: RequestContext, controller: AbortController): void {
    active.delete(controller);
    if (active.size === 0) idle?.();
    // A stream the client abandoned is accounted once its tap sees the end, which can come just after the close.
    const account = context.account;
    if (account !== undefined && account.record === undefined) account.onRecord(() => report(context));
    else report(context);
  }

  function report(context: RequestContext): void {
    deps.observer?.finish(context);
    if (!config.logging.requests) return;
    const { response, facts } = context;
    const record = context.account?.record;
    logger.info(
      {
        request_id: context.id,
        method: context.request.method,
        path: context.request.url,
        status: response.statusCode,
        duration_ms: round(performance.now() - context.startedAt),
        ...(facts.model === undefined ? {} : { model: facts.model }),
        ...(facts.deployment === undefined ? {} : { deployment: facts.deployment }),
        ...(facts.stream === true ? { stream: true } : {}),
        ...(facts.ttftMs === undefined ? {} : { ttft_ms: round(facts.ttftMs) }),
        ...(record?.answeredModel === undefined ? {} : { prompt_tokens: record.promptTokens, completion_tokens: record.completionTokens, cost_usd: record.costUsd }),
        ...(facts.errorCode === undefined ? {} : { error_code: facts.errorCode }),
        ...(facts.keyId === undefined ? {} : { key_id: facts.keyId }),
        ...(facts.team === undefined ? {} : { team: facts.team }),
        ...(facts.piiEntities === undefined ? {} : { pii: facts.piiEntities }),
        ...(response.writableFinished ? {} : { client_aborted: true }),
      },
      "request",
    );
  }

  async function run(context: RequestContext, handler: RouteHandler): Promise<void> {
    try {
      await handler(context);
    } catch (error) {
      if (error instanceof ClientAbortedError || context.response.destroyed) return;
      const sent = sendError(context.response, error, { connection: error instanceof GatewayError && error.code === "body_too_large" ? "close" : "keep-alive" });
      context.facts.errorCode = sent.code;
      if (sent.status >= 500) logger.error({ request_id: context.id, err: error }, "request failed");
    }
  }

  return {
    handle(request, response) {
      const startedAt = performance.now();
      if (cors?.(request, response) === true) return;
      const incomingId = request.headers["x-request-id"];
      const id = typeof incomingId === "string" && requestIdPattern.test(incomingId) ? incomingId : randomUUID();
      response.setHeader("x-request-id", id);
      const controller = new AbortController();
      const context: RequestContext = { id, request, response, signal: controller.signal, startedAt, facts: {}, params: {} };
      active.add(controller);
      deps.observer?.start(context);
      response.once("close", () => {
        if (!response.writableFinished) controller.abort(new ClientAbortedError());
        finish(context, controller);
      });
      if (draining) {
        void run(context, () => {
          throw new GatewayError("shutting_down");
        });
        response.setHeader("connection", "close");
        return;
      }
      const url = request.url ?? "/";
      const queryAt = url.indexOf("?");
      const path = queryAt === -1 ? url : url.slice(0, queryAt);
      let handler: RouteHandler;
      try {
        const match = routes.match(request.method ?? "GET", path);
        handler = match.handler;
        context.params = match.params;
      } catch (error) {
        handler = () => {
          throw error;
        };
      }
      void run(context, handler);
    },

    async drain(graceMs) {
      draining = true;
      await untilIdle(graceMs);
      if (active.size === 0) return;
      for (const controller of active) controller.abort(new GatewayError("shutting_down"));
      // Aborted handlers still write their final SSE error event or 503; give them a moment before sockets close.
      await untilIdle(abortFlushMs);
    },

    inFlight: () => active.size,
  };
}

/** Applies `wrap` to every method's handler of a route. */
function wrapHandlers(methods: MethodHandlers, wrap: (handler: RouteHandler) => RouteHandler): MethodHandlers {
  const wrapped: MethodHandlers = {};
  for (const [method, handler] of Object.entries(methods)) if (handler !== undefined) wrapped[method] = wrap(handler);
  return wrapped;
}

/** Runs the admin guard before an admin handler. */
function guarded(guard: AdminGuard, handler: RouteHandler): RouteHandler {
  return async (context) => {
    await guard(context);
    await handler(context);
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
