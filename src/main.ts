import { availableParallelism } from "node:os";
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
import { createSlo } from "./compose/create-slo.js";
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
import { countTextsBounded, loadTokenCounter, promptTokens } from "./limits/prompt-tokens.js";
import { createFaultBoard } from "./drills/fault-board.js";
import { createLargeBodyGate } from "./http/large-body-gate.js";
import { createRateBudget } from "./http/turn-budget.js";
import { createAdminFaultRoutes } from "./http/routes/admin-faults.js";
import { openStore } from "./store/open-store.js";
import { startResponseExpiry } from "./store/response-expiry.js";
import { createResponsesRoutes } from "./http/routes/responses-route.js";
import { createMessagesRoutes } from "./http/routes/messages-route.js";
import { createAlerts } from "./compose/create-alerts.js";
import { createProgressiveDelivery } from "./compose/create-progressive-delivery.js";
import { createAlertTargets } from "./compose/create-alert-targets.js";
import { systemSchedule } from "./routing/clock.js";
import { createDrift } from "./compose/create-drift.js";
import { createModelVersions } from "./compose/create-model-versions.js";
import { createBatches } from "./compose/create-batches.js";
import { createBatchDispatch } from "./compose/create-batch-dispatch.js";
import { createLiveFeed } from "./http/routes/admin-live-route.js";
import { createAdminDeploymentsRoute } from "./http/routes/admin-deployments-route.js";
import { createAdminEvalsRoutes } from "./http/routes/admin-evals-routes.js";
import { createEvalStore } from "./evals/eval-store.js";
import { createStaticUiRoutes } from "./http/static-ui.js";
import { defaultUiDir } from "./compose/default-ui-dir.js";
import { warmUpHttp, warmUpValidators } from "./compose/warm-up.js";
import { warmUpThroughCopy } from "./compose/warm-up-gateway.js";
import { createJsonParseWorkers } from "./http/json-parse-workers.js";
import { createReloadablePipeline, type PipelineGeneration, type ReloadResult } from "./compose/create-reloadable-pipeline.js";
import { createSemanticIndex } from "./cache/semantic-index.js";

/** A running gateway: its address and a way to stop it gracefully. */
export interface RunningGateway {
  readonly url: string;
  readonly server: Server;
  readonly app: App;
  readonly registry: ModelRegistry;
  readonly logger: Logger;
  /** Loads the config again (models, deployments, limits, rules) and swaps it in; an invalid one is refused and the old one keeps serving. */
  reload(load: () => GatewayConfig): Promise<ReloadResult>;
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
  const now = time?.now ?? Date.now;
  const schedule = time?.schedule ?? systemSchedule;
  // Fault drills decorate every provider; with no fault in force a call costs one length check more.
  const faults = createFaultBoard({ now, sleep: time?.sleep ?? abortableSleep, onRedisDown: (until) => redis.simulateDown(until, now) });
  // Models, deployments, routing, limits and rules live in one generation behind this holder; a reload swaps it whole
  // (docs/config.md#reloading). What outlives a reload reads the generation in force through its views.
  const reloadable = createReloadablePipeline({ providers: faults.wrapFactory(options.providerFactory ?? createProvider), logger, now, schedule });
  const accounting = createAccounting(reloadable.prices, { text: (text) => countTextsBounded([text], countTokens), prompt: (operation, body) => promptTokens(operation, body, countTokens) });
  const security = createSecurity(config, redis, logger, accounting.prices, time?.now);
  // One database for the request log, the rollups, stored responses, alert state, drift samples, the model
  // registry and batches, opened when any needs it.
  const database =
    config.request_log.enabled ||
    config.responses.store ||
    config.rollups.enabled ||
    config.registry.enabled ||
    config.batch.enabled ||
    config.alerts !== undefined ||
    config.drift !== undefined
      ? await openStore(config.database)
      : undefined;
  // Model versions (docs/registry.md): each generation's bare model names route to their prod version.
  const versions = createModelVersions({ config, store: database, logger, now, schedule, audit: security.audit });
  const { routing } = reloadable;
  // Shadow traffic and canary analysis over the registry (docs/registry.md#shadow-traffic).
  const progressive =
    versions.service === undefined || database === undefined
      ? undefined
      : createProgressiveDelivery({ config, service: versions.service, resolver: versions.resolver, routing, database, prices: accounting.prices, logger, now, schedule, sleep: time?.sleep ?? abortableSleep });
  // The per-minute rollups: the observer feeds the aggregator, its background job flushes every
  // rollups.flush_interval_seconds (and prunes hourly); /admin/stats and /admin/slo read them.
  const slo = createSlo(config, database, logger, { now });
  // Drift samples: each finished request of a configured model may enter its hour's reservoir (docs/drift.md).
  const drift = config.drift === undefined || database === undefined ? undefined : createDrift(config.drift, config.models.map((model) => model.name), database, now, logger);
  const observability = createObservability(config, routing, logger, database, redis.health, {
    outcomeSinks: [...(slo.rollups === undefined ? [] : [slo.rollups]), ...(drift === undefined ? [] : [drift.sampler.sink])],
    stats: slo.stats,
    now,
  });
  const cacheStore = createCacheStore(config.cache, redis, (error) => logger.warn({ err: error }, "answer cache backend failed: serving without it"));
  // Outlives reloads, like the cache store: a model's entries stay valid while its config is unchanged.
  const semanticIndex = createSemanticIndex({ maxEntriesPerPartition: config.cache.semantic_max_entries, maxPartitions: config.cache.semantic_max_partitions });
  // Drift capture comes first so it sees every request the stages see (it only keeps references to the bodies).
  const driftStages: readonly AnswerStage[] = drift === undefined ? [] : [drift.sampler.stage];
  const accountingStage = createAccountingStage(accounting);
  const batchAccountingStage = createAccountingStage(accounting, { discount: config.batch.discount });
  const routingTime = time === undefined ? {} : { clock: time.clock, sleep: time.sleep, schedule: time.schedule };

  /** Builds everything that follows the models, deployments, limits and rules: once at start, again on each reload. */
  async function buildGeneration(current: GatewayConfig, providers: ProviderFactory): Promise<PipelineGeneration> {
    const registry = createModelRegistry(current, providers);
    const generationRouting = await versions.bind(current, createRoutingTable(current, registry, routingTime), providers);
    // After the step that may fail: fault drills target the deployments of the generation that goes live.
    faults.bind(registry);
    const access = security.stages(current);
    // The answer stages, in pipeline order. Accounting opens the request's account first (every later stage charges or
    // settles against it). Scopes, limits and the budget refuse before any work is spent; PII
    // redaction runs before the cache so cached entries never hold raw PII; the rules fast path answers last, just
    // before routing; the shadow stage (innermost) notes what sampled requests were answered. The observer adds its own outermost and innermost stages and traces each one by name.
    const piiStage = createPiiStage(current);
    const cacheStage = createCacheStage({ config: { cache: config.cache, models: current.models }, store: cacheStore, embedder: createRoutedEmbedder(generationRouting), semanticIndex });
    const fastPathStage = createFastPathStage(generationRouting);
    const stages: readonly AnswerStage[] = [...driftStages, accountingStage, access.authorize, access.limits, access.budget, piiStage, cacheStage, fastPathStage, ...(progressive?.stages ?? [])];
    // Batch lines run the same stages as their owner, with two differences (docs/batches.md): accounting prices them at
    // the batch discount, and the key's RPM/TPM/concurrency limits give way to the batch pool (the worker's AIMD budget),
    // so a batch neither starves nor is starved by its owner's interactive traffic. Scopes and budgets still apply.
    const batchStages: readonly AnswerStage[] = [...driftStages, batchAccountingStage, access.authorize, access.budget, piiStage, cacheStage, fastPathStage];
    const healthChecks = startHealthChecks(generationRouting, {
      ...(time === undefined ? {} : { schedule: time.schedule }),
      onChange: (state, healthy) => logger.warn({ deployment: state.deployment.id, healthy }, healthy ? "deployment passed its health checks: back in rotation" : "deployment failed its health checks: out of rotation"),
    });
    return {
      registry,
      routing: generationRouting,
      prices: createPriceBook(current.models),
      stages: observability.observer.wrapStages(stages),
      batchStages: observability.observer.wrapStages(batchStages),
      stop: () => healthChecks.stop(),
    };
  }
  await reloadable.start({ config, build: buildGeneration, metrics: observability.registry });
  const { registry } = reloadable;

  const { server: serverConfig } = config;
  const limits = serverConfig.request_limits;
  const body = {
    limitBytes: serverConfig.body_limit_bytes,
    scan: { maxDepth: limits.max_json_depth, maxElements: limits.max_json_elements },
    gate: createLargeBodyGate({
      thresholdBytes: serverConfig.large_body_bytes,
      maxConcurrent: serverConfig.max_concurrent_large_bodies,
      maxWaiting: serverConfig.max_waiting_large_bodies,
      maxWaitMs: serverConfig.large_body_wait_ms,
    }),
    // One core is the main thread's; large bodies parse on the others (at most two threads: parsing is bursty).
    workers: createJsonParseWorkers({ threads: Math.min(2, availableParallelism() - 1) }),
    // A burst of 256 KiB: what one event-loop turn may read of large bodies after a quiet spell.
    intake: createRateBudget({ bytesPerSecond: serverConfig.large_body_bytes_per_second, burstBytes: 256 * 1024 }),
    // The request log shows at most this much of a body (capBytes reads one byte past its cap to cut on a character).
    keepBytes: config.request_log.max_body_bytes + 1,
  };
  const fixedPipeline = { body, requestLimits: limits, versions: progressive?.resolver ?? versions.resolver };
  const pipeline = reloadable.pipelineDeps(fixedPipeline);
  const responseStore = config.responses.store ? database : undefined;
  const batches =
    database === undefined || !config.batch.enabled
      ? undefined
      : createBatches({
          config: config.batch,
          store: database,
          // Each line reads the generation in force when it starts, as an HTTP request does.
          dispatch: createBatchDispatch({
            get routing() {
              return reloadable.current().routing;
            },
            versions: versions.resolver,
            get stages() {
              return reloadable.current().batchStages;
            },
            observer: observability.observer,
          }),
          interactiveInFlight: () => app.inFlight(),
          now,
          schedule: schedule,
          logger,
        });
  const stopResponseExpiry = responseStore === undefined ? undefined : startResponseExpiry(responseStore, (error) => logger.warn({ err: error }, "pruning expired responses failed"), now);
  // Burn-rate alerts over the SLOs (docs/alerts.md): the SLIs and the top error types come from the rollups, the
  // drift summary from drift detection when configured. Without rollups nothing is evaluated and /admin/alerts serves
  // the stored state.
  const alertTargets =
    slo.sliSource === undefined || slo.rollups === undefined || database === undefined
      ? undefined
      : createAlertTargets({
          definitions: slo.definitions,
          sli: slo.sliSource,
          flush: slo.rollups.flush,
          rollups: database,
          drift: drift?.detector,
          onDriftError: (error, labels) => logger.warn({ err: error, labels }, "reading drift for an alert failed: the alert carries no drift"),
        });
  if (config.alerts !== undefined && config.slos.length > 0 && alertTargets === undefined) logger.warn("alerts need rollups (rollups.enabled): no SLO alert is evaluated");
  const alerts =
    config.alerts === undefined || database === undefined
      ? undefined
      : createAlerts(config.alerts, { sql: database.sql, targets: alertTargets, logger, now, schedule: schedule, sleep: time?.sleep ?? abortableSleep });

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
    apiRoutes: new Map([...createResponsesRoutes(reloadable.pipelineDeps({ ...fixedPipeline, store: responseStore, ttlMs: config.responses.ttl_days * 24 * 3600 * 1000, now, logger })), ...(batches?.routes ?? [])]),
    anthropicRoutes: createMessagesRoutes(reloadable.pipelineDeps({ ...fixedPipeline, countTokens })),
    // An engine server's own /metrics (extraRoutes) wins over the gateway's: it is what inference routers scrape.
    extraRoutes: new Map([...observability.routes, ...uiRoutes, ...(options.extraRoutes ?? [])]),
    adminRoutes: new Map([
      ...security.adminRoutes,
      ...observability.adminRoutes,
      ...slo.adminRoutes,
      ...createAdminFaultRoutes({ faults, audit: security.audit, now }),
      ...(alerts?.adminRoutes ?? []),
      ...(drift?.adminRoutes ?? []),
      ...versions.adminRoutes,
      ...(progressive?.adminRoutes ?? []),
      ...reloadable.adminRoutes,
      // Stored eval runs (written by `gantry eval` into the same database), read-only; the store's connection is the gateway's, closed with it.
      ...(database === undefined ? [] : createAdminEvalsRoutes(createEvalStore({ ...database.sql, close: async () => undefined }))),
      ["/admin/live", { GET: liveFeed.route }],
      ["/admin/deployments", { GET: createAdminDeploymentsRoute(routing) }],
    ]),
    adminGuard: security.adminGuard,
    authenticate: security.authenticate,
    observer: observability.observer,
    feedbackRoute: observability.feedbackRoute,
  });
  // Cold start (ADR 0010, addendums): what the first requests would pay for is done before listening, so /readyz, once it
  // answers at all, answers for a warm process. The private copy is built here too, so it runs the validator and HTTP
  // warm-ups itself; without a copy they run for this gateway.
  if (config.server.warm_up_requests > 0) {
    await warmUpThroughCopy(config.server.warm_up_requests, (copyConfig) => startGateway(copyConfig));
  } else {
    warmUpValidators(body.scan);
    await warmUpHttp();
  }
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
  // Jupyter-style: the URL logs this browser in once (the page trades the token for a session cookie).
  if (security.loginToken !== undefined && config.ui.enabled) logger.info({ login_url: `${url}/ui/?token=${security.loginToken}` }, `dashboard: open ${url}/ui/?token=${security.loginToken} to log in (no admin key is configured; the token opens dashboard sessions only and changes at each start)`);
  if (security.authenticate !== undefined) logger.info({ auth: config.auth?.mode }, `auth is on: create a key with  gantry keys create --url ${url} --name my-app  (admin key from GANTRY_ADMIN_KEY)`);
  const batchWorker = batches?.start();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Open dashboards end now: their streams would otherwise hold the drain for the whole grace period.
      liveFeed.close();
      await app.drain(config.server.shutdown_grace_ms);
      server.closeAllConnections();
      await serverClosed;
      // Lines in flight are aborted and left uncommitted; their chunks go back for any replica to claim.
      await batchWorker?.stop();
      await progressive?.close();
      await versions.close();
      await reloadable.close();
      await body.workers.close();
      await security.close();
      await cacheStore.close();
      await redis.close();
      await observability.close();
      await slo.close();
      await drift?.sampler.close();
      stopResponseExpiry?.();
      await alerts?.close();
      await database?.close();
      logger.info("gantry stopped");
      logger.flush();
    })());
  return { url, server, app, registry, logger, reload: (load) => reloadable.reload(load), close };
}
