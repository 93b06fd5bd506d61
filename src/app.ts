import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { GatewayConfig } from "./config/schema.js";
import { ClientAbortedError, GatewayError } from "./errors/gateway-error.js";
import { chatCompletionRequestSchema, completionRequestSchema, embeddingRequestSchema } from "./protocol/openai-requests.js";
import type { ModelRegistry } from "./providers/model-registry.js";
import type { RoutingTable } from "./routing/routing-table.js";
import type { Logger } from "./pipeline/logger.js";
import type { RequestContext } from "./pipeline/request-context.js";
import type { RouteHandler } from "./http/route-table.js";
import { sendError } from "./http/send.js";
import { createGenerationRoute } from "./http/routes/generation-route.js";
import { createModelRoute, createModelsRoute } from "./http/routes/models-route.js";
import { createRouteTable, type MethodHandlers } from "./http/route-table.js";
import type { AdminGuard } from "./auth/admin-guard.js";
import { createReadyRoute, healthRoute } from "./http/routes/health-routes.js";
import type { RequestObserver } from "./telemetry/request-observer.js";
import type { AnswerStage } from "./pipeline/answer.js";
import { authenticated } from "./http/authenticated.js";
import type { Authenticate } from "./auth/authenticate.js";
import { createCors } from "./http/cors.js";

/** Everything the app needs from the outside world, all built by the composition root (`main.ts`). */
export interface AppDeps {
  config: GatewayConfig;
  registry: ModelRegistry;
  logger: Logger;
  /** Per-model routing state (tests build one with a fake clock). */
  routing: RoutingTable;
  /** The answer stages in pipeline order, already wrapped by the observer; routing answers after the last. */
  stages: readonly AnswerStage[];
  /** Routes beyond the OpenAI API (e.g. /metrics, an engine server's /health), by path (`:name` segments allowed) then method. */
  extraRoutes: ReadonlyMap<string, MethodHandlers>;
  /** Admin API routes (`/admin/...`); each runs only after `adminGuard` admits the request. */
  adminRoutes: ReadonlyMap<string, MethodHandlers>;
  /** Decides who may use the admin API. */
  adminGuard: AdminGuard;
  /** Metrics, traces and the request log: told where each request starts and ends; absent = nothing observes. */
  observer: RequestObserver | undefined;
  /** POST /v1/feedback (needs the request log); absent = 404. */
  feedbackRoute: RouteHandler | undefined;
  /** Authenticates /v1/* from headers before the body is read; absent = no auth (`auth.mode: none`). */
  authenticate: Authenticate | undefined;
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
  const cors = createCors(config.server.cors);
  const generationDeps = { registry, routing: deps.routing, bodyLimitBytes: config.server.body_limit_bytes, stages: deps.stages };
  let draining = false;
  const active = new Set<AbortController>();
  let idle: (() => void) | undefined;

  const guard = deps.adminGuard;
  const adminRoutes = [...deps.adminRoutes].map(([path, methods]) => [path, wrapHandlers(methods, (handler) => guarded(guard, handler))] as const);
  const routeList: (readonly [string, MethodHandlers])[] = [
    ["/v1/chat/completions", { POST: createGenerationRoute("chat", chatCompletionRequestSchema, generationDeps) }],
    ["/v1/completions", { POST: createGenerationRoute("completion", completionRequestSchema, generationDeps) }],
    ["/v1/embeddings", { POST: createGenerationRoute("embedding", embeddingRequestSchema, generationDeps) }],
    ["/v1/models", { GET: createModelsRoute(registry, startedAtSeconds) }],
    ["/v1/models/:id*", { GET: createModelRoute(registry, startedAtSeconds) }],
    ...(deps.feedbackRoute === undefined ? [] : [["/v1/feedback", { POST: deps.feedbackRoute }] as const]),
    ["/healthz", { GET: healthRoute }],
    ["/readyz", { GET: createReadyRoute(registry, () => draining) }],
    ...deps.extraRoutes,
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
    deps.observer?.finish(context);
    if (!config.logging.requests) return;
    const { response, facts } = context;
    logger.info(
      {
        request_id: context.id,
        ...(context.clientRequestId === undefined ? {} : { client_request_id: context.clientRequestId }),
        method: context.request.method,
        path: context.request.url,
        status: response.statusCode,
        duration_ms: round(performance.now() - context.startedAt),
        ...(facts.model === undefined ? {} : { model: facts.model }),
        ...(facts.deployment === undefined ? {} : { deployment: facts.deployment }),
        ...(facts.stream === true ? { stream: true } : {}),
        ...(facts.ttftMs === undefined ? {} : { ttft_ms: round(facts.ttftMs) }),
        ...(facts.usage === undefined ? {} : { prompt_tokens: facts.usage.prompt_tokens, completion_tokens: facts.usage.completion_tokens }),
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
      const clientRequestId = typeof incomingId === "string" && requestIdPattern.test(incomingId) ? incomingId : undefined;
      // Every request gets the server's own id: clients and meshes repeat theirs, so theirs can never be a row key.
      const id = randomUUID();
      response.setHeader("x-gantry-request-id", id);
      response.setHeader("x-request-id", clientRequestId ?? id);
      const controller = new AbortController();
      const context: RequestContext = { id, ...(clientRequestId === undefined ? {} : { clientRequestId }), request, response, signal: controller.signal, startedAt, facts: {}, params: {} };
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
