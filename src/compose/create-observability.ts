import { Registry } from "prom-client";
import type { GatewayConfig } from "../config/schema.js";
import { createAdminRequestsRoutes } from "../http/routes/admin-requests-routes.js";
import { createFeedbackRoute } from "../http/routes/feedback-route.js";
import { createMetricsRoute } from "../http/routes/metrics-route.js";
import type { RouteHandler } from "../http/route-table.js";
import type { MethodHandlers } from "../http/route-table.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { GatewayStore } from "../store/gateway-store.js";
import { createRequestLogWriter } from "../store/request-log-writer.js";
import { startRetention } from "../store/retention.js";
import { createGatewayMetrics, type GatewayMetrics, type RedisHealthSample } from "../telemetry/gateway-metrics.js";
import { createLiveWindow, type LiveWindow } from "../telemetry/live-window.js";
import type { Logger } from "../telemetry/logger.js";
import { createRequestObserver, type RequestObserver } from "../telemetry/request-observer.js";
import { createTracing } from "../telemetry/tracing.js";
import type { RequestOutcomeSink } from "../telemetry/request-outcome.js";
import type { StatsWindow, WindowStats } from "../store/request-stats.js";

/** What other features add to observability: sinks for finished requests, and the source of /admin/stats. */
export interface ObservabilityExtras {
  /** Told of each finished request (the SLO rollups, drift sampling). */
  readonly outcomeSinks?: readonly RequestOutcomeSink[];
  /** /admin/stats from the rollups; the request log's own query when absent. */
  readonly stats?: ((window: StatsWindow) => Promise<WindowStats>) | undefined;
  /** Epoch milliseconds for the observer (tests pass a fake clock's). */
  readonly now?: () => number;
}

/** Everything observability adds to a gateway, ready for `createApp`, and how to flush and close it. */
export interface Observability {
  readonly observer: RequestObserver;
  /** GET /metrics when metrics are on. */
  readonly routes: Map<string, MethodHandlers>;
  /** The request-log admin API when the request log is on. */
  readonly adminRoutes: Map<string, MethodHandlers>;
  /** POST /v1/feedback when the request log is on. */
  readonly feedbackRoute: RouteHandler | undefined;
  readonly registry: Registry;
  /** The last minute of traffic for the dashboard's live view (GET /admin/live), kept whether or not metrics are on. */
  readonly live: LiveWindow;
  /** Writes queued log rows and exports buffered spans (the composition root closes the database after). */
  close(): Promise<void>;
}

const dropWarnEveryMs = 10_000;

/** Builds metrics (own registry), tracing, the request-log writer over `database`, and their routes from config. */
export function createObservability(config: GatewayConfig, routing: RoutingTable, logger: Logger, database: GatewayStore | undefined, redisHealth: () => readonly RedisHealthSample[], extras: ObservabilityExtras = {}): Observability {
  const registry = new Registry();
  const thresholds = (kind: "latency" | "ttft" | "tpot"): number[] => config.slos.flatMap((slo) => (slo.sli.kind === kind ? [slo.sli.threshold_ms] : []));
  const live = createLiveWindow();
  const prometheus = config.metrics.enabled ? createGatewayMetrics(registry, routing, redisHealth, { latency: thresholds("latency"), ttft: thresholds("ttft"), tpot: thresholds("tpot") }) : undefined;
  const metrics = withLiveWindow(prometheus, live, registry);
  const tracing = createTracing(config.telemetry);
  const store = config.request_log.enabled ? database : undefined;
  let lastWarnAt = 0;
  let unwarned = 0;
  const requestLog =
    store === undefined
      ? undefined
      : createRequestLogWriter({
          store,
          queueSize: config.request_log.queue_size,
          onDrop(count, reason, error) {
            metrics?.requestLogDropped(count);
            unwarned += count;
            // One warning per interval at most: a full queue under load must not turn into a log flood.
            if (Date.now() - lastWarnAt < dropWarnEveryMs) return;
            lastWarnAt = Date.now();
            logger.warn({ dropped: unwarned, reason, ...(error === undefined ? {} : { err: error }) }, "request log rows dropped");
            unwarned = 0;
          },
        });
  const stopRetention = store === undefined ? undefined : startRetention(store, config.database.retention_days, (error) => logger.warn({ err: error }, "request log pruning failed"));
  const observer = createRequestObserver({
    config,
    routing,
    metrics,
    ...(tracing === undefined ? {} : { tracing }),
    ...(requestLog === undefined ? {} : { requestLog }),
    ...(extras.outcomeSinks === undefined ? {} : { outcomeSinks: extras.outcomeSinks }),
    ...(extras.now === undefined ? {} : { now: extras.now }),
  });
  return {
    observer,
    registry,
    live,
    routes: new Map<string, MethodHandlers>(prometheus === undefined ? [] : [["/metrics", { GET: createMetricsRoute(registry) }]]),
    adminRoutes: store === undefined ? new Map() : createAdminRequestsRoutes(store, extras.now, extras.stats),
    feedbackRoute: store === undefined || requestLog === undefined ? undefined : createFeedbackRoute(store, requestLog),
    async close() {
      stopRetention?.();
      await requestLog?.close();
      await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, "trace export failed on shutdown"));
    },
  };
}

/** The observer's one metrics sink: Prometheus (when on) and the live window both see every request. */
function withLiveWindow(prometheus: GatewayMetrics | undefined, live: LiveWindow, registry: Registry): GatewayMetrics {
  return {
    registry,
    record(measurement) {
      prometheus?.record(measurement);
      live.record(measurement);
    },
    requestStarted() {
      prometheus?.requestStarted();
      live.requestStarted();
    },
    requestEnded() {
      prometheus?.requestEnded();
      live.requestEnded();
    },
    requestLogDropped: (count) => prometheus?.requestLogDropped(count),
  };
}
