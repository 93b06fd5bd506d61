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
import type { PipelineDeps } from "./http/run-pipeline.js";
import { authenticated } from "./http/authenticated.js";
import type { Authenticate } from "./auth/authenticate.js";
import { createCors } from "./http/cors.js";
import { createHostCheck } from "./http/host-check.js";
import { clipClientText } from "./errors/clip-client-text.js";
import type { Accounting } from "./accounting/accounting.js";
import { withAnthropicErrors } from "./http/anthropic-errors.js";

/** Everything the app needs from the outside world, all built by the composition root (`main.ts`). */
export interface AppDeps {
  config: GatewayConfig;
  registry: ModelRegistry;
  logger: Logger;
  /** Usage and cost: one record per request for budgets, limits, metrics, traces, the log and the cost header. */
  accounting: Accounting;
  /** Per-model routing state (tests build one with a fake clock). */
  routing: RoutingTable;
  /** What the generation routes answer with: body reading bounds, the answer stages (already wrapped by the observer), routing. */
  pipeline: PipelineDeps;
  /** Routes beyond the OpenAI API (e.g. /metrics, an engine server's /health), by path (`:name` segments allowed) then method. */
  extraRoutes: ReadonlyMap<string, MethodHandlers>;
  /** Admin API routes (`/admin/...`); each runs only after `adminGuard` admits the request. */
  adminRoutes: ReadonlyMap<string, MethodHandlers>;
  /** Decides who may use the admin API. */
  adminGuard: AdminGuard;
  /** Metrics, traces and the request log: told where each request starts and ends; absent = nothing observes. */
  observer: RequestObserver | undefined;
  /** More of the API under /v1/ (the Responses API), authenticated like the rest, errors in OpenAI's envelope. */
  apiRoutes: ReadonlyMap<string, MethodHandlers>;
  /** Anthropic's Messages API: authenticated like the rest, every error in Anthropic's envelope. */
  anthropicRoutes: ReadonlyMap<string, MethodHandlers>;
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
  const checkHost = createHostCheck(config.server.host, config.server.allowed_hosts);
  let draining = false;
  /** In-flight requests: their abort controller and the response still to be answered. */
  const active = new Map<AbortController, ServerResponse>();
  let idle: (() => void) | undefined;

  const guard = deps.adminGuard;
  const adminRoutes = [...deps.adminRoutes].map(([path, methods]) => [path, wrapHandlers(methods, (handler) => guarded(guard, handler))] as const);
  const routeList: (readonly [string, MethodHandlers])[] = [
    ["/v1/chat/completions", { POST: createGenerationRoute("chat", chatCompletionRequestSchema, deps.pipeline) }],
    ["/v1/completions", { POST: createGenerationRoute("completion", completionRequestSchema, deps.pipeline) }],
    ["/v1/embeddings", { POST: createGenerationRoute("embedding", embeddingRequestSchema, deps.pipeline) }],
    ["/v1/models", { GET: createModelsRoute(registry, startedAtSeconds) }],
    ["/v1/models/:id*", { GET: createModelRoute(registry, startedAtSeconds) }],
    ...deps.apiRoutes,
    ...(deps.feedbackRoute === undefined ? [] : [["/v1/feedback", { POST: deps.feedbackRoute }] as const]),
    ["/healthz", { GET: healthRoute }],
    ["/readyz", { GET: createReadyRoute(registry, () => draining) }],
    ...deps.extraRoutes,
    ...adminRoutes,
  ];
  // The OpenAI API needs a principal when auth is on; the wrapper is built once per route, not per request.
  const authenticate = deps.authenticate;
  const withAuth = (methods: MethodHandlers): MethodHandlers => (authenticate === undefined ? methods : wrapHandlers(methods, (handler) => authenticated(authenticate, handler)));
  // Anthropic's clients read errors in Anthropic's envelope, authentication's included, so it wraps outside auth.
  const onServerError = (error: unknown, requestId: string): void => logger.error({ request_id: requestId, err: error }, "request failed");
  const anthropicRoutes = [...deps.anthropicRoutes].map(([path, methods]) => [path, wrapHandlers(withAuth(methods), (handler) => withAnthropicErrors(handler, onServerError))] as const);
  const routes = createRouteTable([...routeList.map(([path, methods]) => [path, path.startsWith("/v1/") ? withAuth(methods) : methods] as const), ...anthropicRoutes]);

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
        ...(context.clientRequestId === undefined ? {} : { client_request_id: context.clientRequestId }),
        method: context.request.method,
        path: clipClientText(context.request.url ?? ""),
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
      // A body refused unread (too large, no large-body slot) closes the connection: keeping it alive would mean
      // reading the rest off the wire first. No keep-alive header otherwise: node then honours the request's
      // `Connection: close` and HTTP/1.0.
      const sent = sendError(context.response, error, error instanceof GatewayError && (error.code === "body_too_large" || error.code === "server_busy") ? { connection: "close" } : {});
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
      active.set(controller, response);
      deps.observer?.start(context);
      response.once("close", () => {
        if (!response.writableFinished) controller.abort(new ClientAbortedError());
        finish(context, controller);
      });
      if (draining) {
        // Before anything is sent: the client must not reuse this socket, and a header set after the 503 would throw.
        response.setHeader("connection", "close");
        void run(context, () => {
          throw new GatewayError("shutting_down");
        });
        return;
      }
      const url = request.url ?? "/";
      const queryAt = url.indexOf("?");
      const path = queryAt === -1 ? url : url.slice(0, queryAt);
      let handler: RouteHandler;
      try {
        const hostProblem = checkHost(request);
        if (hostProblem !== undefined) throw hostProblem;
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
      // Answers not yet started go out with `Connection: close`, so keep-alive clients reconnect (to another replica).
      for (const response of active.values()) if (!response.headersSent) response.setHeader("connection", "close");
      await untilIdle(graceMs);
      if (active.size === 0) return;
      for (const controller of active.keys()) controller.abort(new GatewayError("shutting_down"));
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
