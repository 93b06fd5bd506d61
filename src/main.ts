import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp, type App, type AppDeps } from "./app.js";
import type { GatewayConfig } from "./config/schema.js";
import { createModelRegistry, type ModelRegistry, type ProviderFactory } from "./providers/model-registry.js";
import { startHealthChecks } from "./routing/health-checks.js";
import { createRoutingTable } from "./routing/routing-table.js";
import { createLogger, type Logger } from "./telemetry/logger.js";
import { startObservability } from "./telemetry/observability.js";
import { createSecurity } from "./auth/create-security.js";
import { insecureBindProblem } from "./auth/loopback.js";
import { ConfigError } from "./config/load-config.js";
import { createCacheStore } from "./cache/create-cache-store.js";
import { createAccounting } from "./accounting/accounting.js";
import { createPriceBook } from "./accounting/price-book.js";
import { loadTokenCounter, promptTokens } from "./limits/prompt-tokens.js";

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
}

/** The composition root: builds the dependencies from config, wires the app, and listens. */
export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logging.level);
  // Checked again here because --host overrides the config after it was validated.
  const bindProblem = insecureBindProblem(config.server.host, config.auth);
  if (bindProblem !== undefined) throw new ConfigError("server.host", [{ path: "auth", message: bindProblem }]);
  // The one tokenizer and price book: the accounting service and the budgets share them.
  const countTokens = await loadTokenCounter();
  const accounting = createAccounting(createPriceBook(config.models), { text: countTokens, prompt: (operation, body) => promptTokens(operation, body, countTokens) });
  const security = createSecurity(config, logger, accounting.prices);
  const registry = createModelRegistry(config, options.providerFactory);
  const routing = createRoutingTable(config, registry);
  const observability = await startObservability(config, routing, logger);
  // An engine server's own /metrics (extraRoutes) wins over the gateway's: it is what inference routers scrape.
  const extraRoutes = new Map([...observability.routes, ...(options.extraRoutes ?? [])]);
  const cacheStore = createCacheStore(config.cache, (error) => logger.warn({ err: error }, "answer cache backend failed: serving without it"));
  const app = createApp({ config, registry, logger, routing, accounting, adminRoutes: new Map([...security.adminRoutes, ...observability.adminRoutes]), adminGuard: security.adminGuard, accessStages: security.stages, ...(security.authenticate === undefined ? {} : { authenticate: security.authenticate }), cacheStore, extraRoutes, observer: observability.observer, ...(observability.feedbackRoute === undefined ? {} : { feedbackRoute: observability.feedbackRoute }) });
  const server = createServer({ maxHeaderSize: config.server.max_header_bytes, noDelay: true }, app.handle);
  server.keepAliveTimeout = config.server.keep_alive_timeout_ms;
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
    onChange: (state, healthy) => logger.warn({ deployment: state.deployment.id, healthy }, healthy ? "deployment passed its health checks: back in rotation" : "deployment failed its health checks: out of rotation"),
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      healthChecks.stop();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await app.drain(config.server.shutdown_grace_ms);
      server.closeAllConnections();
      await serverClosed;
      await registry.close();
      await security.close();
      await cacheStore.close();
      await observability.close();
      logger.info("gantry stopped");
      logger.flush();
    })());
  return { url, server, app, registry, logger, close };
}
