import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp, type App, type AppDeps } from "./app.js";
import type { GatewayConfig } from "./config/schema.js";
import { createModelRegistry, type ModelRegistry, type ProviderFactory } from "./providers/model-registry.js";
import { startHealthChecks } from "./routing/health-checks.js";
import { createRoutingTable } from "./routing/routing-table.js";
import { createLogger, type Logger } from "./telemetry/logger.js";

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
  const registry = createModelRegistry(config, options.providerFactory);
  const routing = createRoutingTable(config, registry);
  const app = createApp({ config, registry, logger, routing, ...(options.extraRoutes === undefined ? {} : { extraRoutes: options.extraRoutes }) });
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
      logger.info("gantry stopped");
      logger.flush();
    })());
  return { url, server, app, registry, logger, close };
}
