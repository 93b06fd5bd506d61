import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import pino from "pino";
import { parseConfig } from "../../src/config/load-config.js";
import { createEngineMetrics, type EngineMetrics } from "../../src/engine/engine-metrics.js";
import { startGateway, type RunningGateway } from "../../src/main.js";
import { createLlamaCppProvider } from "../../src/providers/llama-cpp/llama-cpp-provider.js";
import { llamaEngineOptionsFromConfig } from "../../src/providers/llama-cpp/llama-cpp-engine-options.js";
import { createProvider } from "../../src/providers/model-registry.js";
import { testDatabase } from "../helpers/gateway.js";

/** The shared test model, `../shared/models/stories260K.gguf` relative to the repository root. */
export const storiesModel = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/models/stories260K.gguf");

export interface EngineGateway {
  readonly gateway: RunningGateway;
  readonly client: OpenAI;
  /** The engines' metrics, shared by every llama-cpp deployment of this gateway. */
  readonly metrics: EngineMetrics;
  close(): Promise<void>;
}

/** Starts an in-process gateway from YAML and waits until no deployment is still loading. */
export async function startEngineGateway(yaml: string, options: { logs?: boolean } = {}): Promise<EngineGateway> {
  const config = parseConfig(yaml, process.env, "test");
  const metrics = createEngineMetrics();
  const gateway = await startGateway(
    { ...config, database: testDatabase(yaml, config), server: { ...config.server, port: 0, host: "127.0.0.1", warm_up_requests: 0 } },
    {
      logger: pino({ level: options.logs === true ? "info" : "silent" }),
      providerFactory: (deployment, modelName, timeouts) =>
        deployment.provider === "llama-cpp"
          ? createLlamaCppProvider({ engine: llamaEngineOptionsFromConfig(deployment, modelName, { metrics }), timeouts: { firstByteMs: timeouts.first_byte_ms, totalMs: timeouts.total_ms }, normalize: deployment.normalize })
          : createProvider(deployment, modelName, timeouts),
    },
  );
  await waitFor(async () => {
    const ready = (await (await fetch(`${gateway.url}/readyz`)).json()) as { deployments: { state: string }[] };
    return ready.deployments.every((deployment) => deployment.state !== "loading");
  }, 30_000);
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  return { gateway, client, metrics, close: () => gateway.close() };
}

/** Polls until the check passes or the deadline passes (then throws). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The current value of one engine gauge for a model. */
export async function gaugeValue(metrics: EngineMetrics, name: string, model: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.find((value) => value.labels["model_name"] === model)?.value ?? Number.NaN;
}
