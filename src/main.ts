import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp, type App, type AppDeps } from "./app.js";
import { createCheckContinue } from "./http/check-continue.js";
import type { GatewayConfig } from "./config/schema.js";
import { createModelRegistry, createProvider, type ModelRegistry, type ProviderFactory } from "./providers/model-registry.js";
import { startHealthChecks } from "./routing/health-checks.js";
import { createRoutingTable } from "./routing/routing-table.js";
import type { Clock, Schedule } from "./routing/clock.js";
import { abortableSleep, type Sleep } from "./routing/abortable-sleep.js";
import { createLogger, type Logger } from "./telemetry/logger.js";
import { createObservability } from "./compose/create-observability.js";
import { createSecurity } from "./compose/create-security.js";
import { insecureBindProblem } from "./auth/loopback.js";
import { ConfigError } from "./config/load-config.js";
import { createCacheStore } from "./compose/create-cache-store.js";
import { createRedisConnections } from "./compose/redis-connections.js";
import type { AnswerStage } from "./pipeline/answer.js";
import { createPiiStage } from "./guardrails/pii-stage.js";
import { createCacheStage } from "./cache/cache-stage.js";
import { createRoutedEmbedder } from "./cache/routed-embedder.js";
import { createFastPathStage } from "./routing/fast-path-stage.js";
import { createAccounting } from "./accounting/accounting.js";
import { createAccountingStage } from "./accounting/accounting-stage.js";
import { createPriceBook } from "./accounting/price-book.js";
import { loadTokenCounter, promptTokens } from "./limits/prompt-tokens.js";
import { createFaultBoard } from "./drills/fault-board.js";
import { createLargeBodyGate } from "./http/large-body-gate.js";
import { createAdminFaultRoutes } from "./http/routes/admin-faults.js";
import { openStore } from "./store/open-store.js";
import { startResponseExpiry } from "./store/response-expiry.js";
import { createResponsesRoutes } from "./http/routes/responses-route.js";
import { createMessagesRoutes } from "./http/routes/messages-route.js";
import { createLiveFeed } from "./http/routes/admin-live-route.js";
import { createAdminDeploymentsRoute } from "./http/routes/admin-deployments-route.js";
import { createStaticUiRoutes } from "./http/static-ui.js";
import { defaultUiDir } from "./compose/default-ui-dir.js";

/** A running gateway: its address and a way to stop it gracefully. */
export interface RunningGateway {
  readonly url: string;
  readonly server: Server;
  readonly app: App;
  readonly registry: ModelRegistry;
  readonly logger: Logger;
  /** Stop accepting, drain in-flight requests up to the grace period, then release everything. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Extra routes, e.g. the engine server's /metrics and /health. */
  extraRoutes?: AppDeps["extraRoutes"];
  /** Builds providers; defaults to the built-in kinds. */
  providerFactory?: ProviderFactory;
  /** Time for routing (breakers, Retry-After, backoff), health-check timers and key expiry; real time when absent (tests pass a fake one). */
  time?: GatewayTime;
}

/** The injectable sources of time: a monotonic clock, timers on it, sleeps on them, and wall-clock milliseconds. */
export interface GatewayTime {
  readonly clock: Clock;
  readonly schedule: Schedule;
  readonly sleep: Sleep;
  /** Epoch milliseconds (key expiry, budget days). */
  now(): number;
}

/**
 * The composition root: the one place that builds every client, store, stage, route and background job from config,
 * wires them into the app, and listens.
 */
export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logging.level);
  // Checked again here because --host overrides the config after it was validated.
  const bindProblem = insecureBindProblem(config.server.host, config.auth, config.admin);
  if (bindProblem !== undefined) throw new ConfigError("server.host", [{ path: "auth", message: bindProblem }]);
  const redis = createRedisConnections(logger);
  const time = options.time;
  // The one tokenizer and price book: the accounting service and the budgets share them.
  const countTokens = await loadTokenCounter();
  const accounting = createAccounting(createPriceBook(config.models), { text: countTokens, prompt: (operation, body) => promptTokens(operation, body, countTokens) });
  const security = createSecurity(config, redis, logger, accounting.prices, time?.now);
  const now = time?.now ?? Date.now;
  // Fault drills decorate every provider; with no fault in force a call costs one length check more.
  const faults = createFaultBoard({ now, sleep: time?.sleep ?? abortableSleep, onRedisDown: (until) => redis.simulateDown(until, now) });
  const registry = createModelRegistry(config, faults.wrapFactory(options.providerFactory ?? createProvider));
  faults.bind(registry);
  const routing = createRoutingTable(config, registry, time === undefined ? {} : { clock: time.clock, sleep: time.sleep, schedule: time.schedule });
  // One database for the request log and stored responses, opened when either needs it.
  const database = config.request_log.enabled || config.responses.store ? await openStore(config.database) : undefined;
  const observability = createObservability(config, routing, logger, database, redis.health);
  const cacheStore = createCacheStore(config.cache, redis, (error) => logger.warn({ err: error }, "answer cache backend failed: serving without it"));

  // The answer stages, in pipeline order. Accounting opens the request's account first (every later stage charges or
  // settles against it). Scopes, limits and the budget refuse before any work is spent; PII
  // redaction runs before the cache so cached entries never hold raw PII; the rules fast path answers last, just
  // before routing. The observer adds its own outermost and innermost stages and traces each one by name.
  const stages: readonly AnswerStage[] = [
    createAccountingStage(accounting),
    security.stages.authorize,
    security.stages.limits,
    security.stages.budget,
    createPiiStage(config),
    createCacheStage({ config, store: cacheStore, embedder: createRoutedEmbedder(routing) }),
    createFastPathStage(routing),
  ];

  const wrappedStages = observability.observer.wrapStages(stages);
  const { server: serverConfig } = config;
  const limits = serverConfig.request_limits;
  const body = {
    limitBytes: serverConfig.body_limit_bytes,
    scan: { maxDepth: limits.max_json_depth, maxElements: limits.max_json_elements },
    gate: createLargeBodyGate({ thresholdBytes: serverConfig.large_body_bytes, maxConcurrent: serverConfig.max_concurrent_large_bodies }),
  };
  const pipeline = { registry, routing, body, requestLimits: limits, stages: wrappedStages };
  const responseStore = config.responses.store ? database : undefined;
  const stopResponseExpiry = responseStore === undefined ? undefined : startResponseExpiry(responseStore, (error) => logger.warn({ err: error }, "pruning expired responses failed"), now);

  // The dashboard: its live feed (one ticker shared by every open page) and its static files.
  const liveFeed = createLiveFeed({ snapshot: observability.live.snapshot, intervalMs: config.ui.live_interval_ms, maxSubscribers: config.ui.max_live_streams });
  const uiRoutes = config.ui.enabled ? createStaticUiRoutes(config.ui.dir ?? defaultUiDir()) : new Map();

  const app = createApp({
    config,
    registry,
    logger,
    routing,
    accounting,
    pipeline,
    apiRoutes: createResponsesRoutes({ ...pipeline, store: responseStore, ttlMs: config.responses.ttl_days * 24 * 3600 * 1000, now, logger }),
    anthropicRoutes: createMessagesRoutes({ ...pipeline, countTokens }),
    // An engine server's own /metrics (extraRoutes) wins over the gateway's: it is what inference routers scrape.
    extraRoutes: new Map([...observability.routes, ...uiRoutes, ...(options.extraRoutes ?? [])]),
    adminRoutes: new Map([
      ...security.adminRoutes,
      ...observability.adminRoutes,
      ...createAdminFaultRoutes({ faults, audit: security.audit, now }),
      ["/admin/live", { GET: liveFeed.route }],
      ["/admin/deployments", { GET: createAdminDeploymentsRoute(routing) }],
    ]),
    adminGuard: security.adminGuard,
    authenticate: security.authenticate,
    observer: observability.observer,
    feedbackRoute: observability.feedbackRoute,
  });
  // requireHostHeader off: the app answers a missing Host with a JSON 400 (http/host-check.ts), not node's empty one.
  const server = createServer({ maxHeaderSize: config.server.max_header_bytes, noDelay: true, requireHostHeader: false }, app.handle);
  server.keepAliveTimeout = config.server.keep_alive_timeout_ms;
  server.on("checkContinue", createCheckContinue(config.server.body_limit_bytes, app.handle));
  server.on("clientError", (error, socket) => {
    // Malformed HTTP (bad request line, oversized headers) never reaches the app; answer it and move on.
    if (!socket.writable) return socket.destroy();
    const status = (error as { code?: string }).code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const body = JSON.stringify({ error: { message: status === 431 ? "Request headers are too large." : "Malformed HTTP request.", type: "invalid_request_error", param: null, code: status === 431 ? "headers_too_large" : "bad_http_request" } });
    socket.end(`HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, models: config.models.map((model) => model.name) }, "gantry listening");
  if (security.authenticate !== undefined) logger.info({ auth: config.auth?.mode }, `auth is on: create a key with  gantry keys create --url ${url} --name my-app  (admin key from GANTRY_ADMIN_KEY)`);
  const healthChecks = startHealthChecks(routing, {
    ...(time === undefined ? {} : { schedule: time.schedule }),
    onChange: (state, healthy) => logger.warn({ deployment: state.deployment.id, healthy }, healthy ? "deployment passed its health checks: back in rotation" : "deployment failed its health checks: out of rotation"),
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      healthChecks.stop();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Open dashboards end now: their streams would otherwise hold the drain for the whole grace period.
      liveFeed.close();
      await app.drain(config.server.shutdown_grace_ms);
      server.closeAllConnections();
      await serverClosed;
      await registry.close();
      await security.close();
      await cacheStore.close();
      await redis.close();
      await observability.close();
      stopResponseExpiry?.();
      await database?.close();
      logger.info("gantry stopped");
      logger.flush();
    })());
  return { url, server, app, registry, logger, close };
}
