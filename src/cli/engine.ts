import { basename } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, validateConfig } from "../config/load-config.js";
import type { GatewayConfig } from "../config/schema.js";
import type { DeploymentConfig } from "../providers/deployment-config-schema.js";
import { createEngineMetrics } from "../engine/engine-metrics.js";
import { createEngineRoutes } from "../http/routes/engine-routes.js";
import { startGateway } from "../main.js";
import { createLlamaCppProvider } from "../providers/llama-cpp/llama-cpp-provider.js";
import { llamaEngineOptionsFromConfig } from "../providers/llama-cpp/llama-cpp-engine-options.js";
import { createProvider, type ProviderFactory } from "../providers/model-registry.js";
import type { Provider } from "../pipeline/provider.js";
import { createLogger } from "../telemetry/logger.js";
import { serveUntilSignal } from "./serve-until-signal.js";

const usage = `usage: gantry engine --model MODEL [options]

Serves one GGUF model as an OpenAI-compatible server with GET /health and GET /metrics (vLLM metric names).

  --model M              path, hf:user/repo/file.gguf or https URL (required)
  --served-model-name N  the model name clients send (default: the file name without .gguf)
  --host H               listen address (default 127.0.0.1)
  --port N               listen port (default 8000; 0 picks a free one)
  --parallel P           sequences decoded together (default 4)
  --queue-size Q         requests waiting beyond --parallel before 429 (default 64)
  --threads T            CPU threads (default: physical cores, at most the cores available)
  --context-size C       tokens per sequence (default 2048)
  --embeddings           also serve /v1/embeddings from the model
  --sha256 HEX           expected checksum of the model file
  --log-level L          fatal|error|warn|info|debug|trace|silent (default info)`;

/** `gantry engine`: the embedded engine as a standalone model server. */
export async function engine(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: "string", short: "m" },
      "served-model-name": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      parallel: { type: "string" },
      "queue-size": { type: "string" },
      threads: { type: "string" },
      "context-size": { type: "string" },
      embeddings: { type: "boolean" },
      sha256: { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values.model === undefined) {
    process.stderr.write(`gantry engine: --model is required\n${usage}\n`);
    return 2;
  }
  const problems: string[] = [];
  const integer = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (Number.isInteger(value)) return value;
    problems.push(`--${flag}: not an integer: ${text}`);
    return undefined;
  };
  const name = values["served-model-name"] ?? basename(values.model).replace(/\.gguf$/i, "");
  const raw = {
    server: { host: values.host ?? "127.0.0.1", port: integer("port", values.port) ?? 8000 },
    logging: { level: values["log-level"] ?? "info" },
    models: [
      {
        name,
        deployments: [
          {
            provider: "llama-cpp",
            model: values.model,
            ...optional("parallel", integer("parallel", values.parallel)),
            ...optional("queue_size", integer("queue-size", values["queue-size"])),
            ...optional("threads", integer("threads", values.threads)),
            ...optional("context_size", integer("context-size", values["context-size"])),
            ...optional("sha256", values.sha256),
            ...(values.embeddings === true ? { embeddings: true } : {}),
          },
        ],
      },
    ],
  };
  if (problems.length > 0) {
    process.stderr.write(`gantry engine: ${problems.join("; ")}\n${usage}\n`);
    return 2;
  }
  let config: GatewayConfig;
  try {
    // The same validation path as `gantry serve`: one schema, every problem reported with its path.
    config = validateConfig(raw, {}, "from the gantry engine flags");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`gantry engine: ${error.message}\n`);
    return 2;
  }
  const logger = createLogger(config.logging.level);
  const metrics = createEngineMetrics();
  const providers = new Map<string, Provider>();
  const providerFactory: ProviderFactory = (deployment: DeploymentConfig, modelName, timeouts) => {
    const provider =
      deployment.provider === "llama-cpp"
        ? createLlamaCppProvider({ engine: llamaEngineOptionsFromConfig(deployment, modelName, { metrics, logger }), timeouts: { firstByteMs: timeouts.first_byte_ms, totalMs: timeouts.total_ms }, normalize: deployment.normalize })
        : createProvider(deployment, modelName, timeouts);
    providers.set(modelName, provider);
    return provider;
  };
  const gateway = await startGateway(config, { logger, providerFactory, extraRoutes: createEngineRoutes(metrics, providers) });
  // A model server whose only model cannot load should fail loudly (and let its supervisor restart it), not idle.
  const failure = await firstLoadFailure(providers);
  if (failure !== undefined) {
    gateway.logger.fatal({ reason: failure }, "the model failed to load");
    await gateway.close();
    return 1;
  }
  await serveUntilSignal(gateway);
  return 0;
}

/** Waits until no model is loading; returns the first failure's reason, if any. */
async function firstLoadFailure(providers: ReadonlyMap<string, Provider>): Promise<string | undefined> {
  for (;;) {
    const states = [...providers.values()].map((provider) => provider.state());
    const failed = states.find((state) => state.state === "failed");
    if (failed !== undefined && failed.state === "failed") return failed.reason;
    if (states.every((state) => state.state === "ready")) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function optional<Key extends string, Value>(key: Key, value: Value | undefined): Partial<Record<Key, Value>> {
  return value === undefined ? {} : ({ [key]: value } as Record<Key, Value>);
}
