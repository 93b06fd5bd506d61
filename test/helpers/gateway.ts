import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { parseConfig } from "../../src/config/load-config.js";
import { startGateway, type RunningGateway } from "../../src/main.js";
import { createApp } from "../../src/app.js";
import { createSecurity } from "../../src/auth/create-security.js";
import { createModelRegistry } from "../../src/providers/model-registry.js";
import { startHealthChecks } from "../../src/routing/health-checks.js";
import { createRoutingTable } from "../../src/routing/routing-table.js";
import type { Logger } from "../../src/telemetry/logger.js";
import type { FakeClock } from "./fake-clock.js";

/**
 * Starts an in-process gateway on a loopback port from YAML text, with logs discarded unless asked for.
 * Each gateway gets its own request-log database unless the YAML names one, so parallel test files never share it.
 */
export async function startTestGateway(yaml: string, options: { logs?: boolean } = {}): Promise<RunningGateway> {
  const config = parseConfig(yaml, process.env, "test");
  const logger = pino({ level: options.logs === true ? "info" : "silent" });
  const database = /^database:/m.test(yaml) ? config.database : { ...config.database, path: join(mkdtempSync(join(tmpdir(), "gantry-test-db-")), "gantry.db") };
  return startGateway({ ...config, database, server: { ...config.server, port: 0, host: "127.0.0.1" } }, { logger });
}

/** YAML for one model named `story` with one openai-compatible deployment per base URL. */
export function upstreamConfig(baseUrls: string[], extra = ""): string {
  const deployments = baseUrls.map((url) => `        - { provider: openai-compatible, base_url: "${url}", upstream_model: tiny }`).join("\n");
  return `server: { shutdown_grace_ms: 2000 }\n${extra}\nmodels:\n  - name: story\n    deployments:\n${deployments}\n`;
}

/**
 * Starts an in-process gateway whose time is `clock`'s: routing (breakers, Retry-After, backoff), health checks and
 * key expiry all read it, so a test advances time instead of waiting for it. Composed like `startGateway`, less the
 * observability parts.
 */
export async function startClockedGateway(yaml: string, clock: FakeClock, options: { logger?: Logger } = {}): Promise<RunningGateway> {
  const parsed = parseConfig(yaml, process.env, "test");
  const config = { ...parsed, server: { ...parsed.server, port: 0, host: "127.0.0.1" } };
  const logger = options.logger ?? pino({ level: "silent" });
  const security = await createSecurity(config, logger, clock.now);
  const registry = createModelRegistry(config);
  const routing = createRoutingTable(config, registry, { clock, sleep: clock.sleep });
  const app = createApp({ config, registry, logger, routing, adminRoutes: security.adminRoutes, adminGuard: security.adminGuard, accessStages: security.stages, ...(security.authenticate === undefined ? {} : { authenticate: security.authenticate }) });
  const server = createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const healthChecks = startHealthChecks(routing, { schedule: clock.schedule });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      healthChecks.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await app.drain(config.server.shutdown_grace_ms);
      server.closeAllConnections();
      await closed;
      await registry.close();
      await security.close();
    })());
  return { url, server, app, registry, logger, close };
}
