import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { parseConfig } from "../../src/config/load-config.js";
import { startGateway, type RunningGateway } from "../../src/main.js";
import type { GatewayConfig } from "../../src/config/schema.js";
import type { Logger } from "../../src/pipeline/logger.js";
import type { FakeClock } from "./fake-clock.js";

/**
 * A fresh database for one test gateway, unless its YAML names one: parallel test files never share the request log
 * or the model registry (whose `prod` a gateway with another config would otherwise move).
 */
export function testDatabase(yaml: string, config: GatewayConfig): GatewayConfig["database"] {
  return /^database:/m.test(yaml) ? config.database : { ...config.database, path: join(mkdtempSync(join(tmpdir(), "gantry-test-db-")), "gantry.db") };
}

/**
 * Starts an in-process gateway on a loopback port from YAML text, with logs discarded unless asked for.
 * Each gateway gets its own request-log database unless the YAML names one, so parallel test files never share it.
 */
export async function startTestGateway(yaml: string, options: { logs?: boolean } = {}): Promise<RunningGateway> {
  const config = parseConfig(yaml, process.env, "test");
  const logger = pino({ level: options.logs === true ? "info" : "silent" });
  const database = testDatabase(yaml, config);
  return startGateway({ ...config, database, server: { ...config.server, port: 0, host: "127.0.0.1", warm_up_requests: 0 } }, { logger });
}

/** YAML for one model named `story` with one openai-compatible deployment per base URL. */
export function upstreamConfig(baseUrls: string[], extra = ""): string {
  const deployments = baseUrls.map((url) => `        - { provider: openai-compatible, base_url: "${url}", upstream_model: tiny }`).join("\n");
  return `server: { shutdown_grace_ms: 2000 }\n${extra}\nmodels:\n  - name: story\n    deployments:\n${deployments}\n`;
}

/**
 * Starts an in-process gateway whose time is `clock`'s: routing (breakers, Retry-After, backoff), health checks and
 * key expiry all read it, so a test advances time instead of waiting for it.
 */
export async function startClockedGateway(yaml: string, clock: FakeClock, options: { logger?: Logger } = {}): Promise<RunningGateway> {
  const config = parseConfig(yaml, process.env, "test");
  const database = testDatabase(yaml, config);
  return startGateway(
    { ...config, database, server: { ...config.server, port: 0, host: "127.0.0.1", warm_up_requests: 0 } },
    { logger: options.logger ?? pino({ level: "silent" }), time: { clock, schedule: clock.schedule, sleep: clock.sleep, now: clock.now } },
  );
}

/** The project's own demo model (models/gantry-demo), as the quick start serves it. */
export const demoModelPath = new URL("../../models/gantry-demo/gantry-demo.gguf", import.meta.url).pathname;

/**
 * Starts a gateway serving the demo model as `demo` on the embedded engine (`extra` adds deployment keys, e.g.
 * `embeddings: true`) and waits until the model has loaded.
 */
export async function startDemoModelGateway(extra = ""): Promise<RunningGateway> {
  const gateway = await startTestGateway(`models:
  - name: demo
    deployments:
      - { provider: llama-cpp, model: "${demoModelPath}", context_size: 512, parallel: 2, threads: 1${extra === "" ? "" : `, ${extra}`} }
`);
  for (let tries = 0; tries < 100 && (await fetch(`${gateway.url}/readyz`)).status !== 200; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
  return gateway;
}
