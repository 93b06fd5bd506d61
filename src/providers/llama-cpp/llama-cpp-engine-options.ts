import type { DeploymentConfig } from "../deployment-config-schema.js";
import type { EngineMetrics } from "../../engine/engine-metrics.js";
import type { LlamaEngineOptions } from "../../engine/llama-engine.js";
import type { Logger } from "../../pipeline/logger.js";

/** The llama-cpp variant of a deployment's config. */
export type LlamaCppDeploymentConfig = Extract<DeploymentConfig, { provider: "llama-cpp" }>;

/** Maps a llama-cpp deployment's config onto engine options. */
export function llamaEngineOptionsFromConfig(deployment: LlamaCppDeploymentConfig, modelName: string, extras: { metrics?: EngineMetrics; logger?: Logger } = {}): LlamaEngineOptions {
  return {
    modelName,
    model: deployment.model,
    contextSize: deployment.context_size,
    parallel: deployment.parallel,
    queueSize: deployment.queue_size,
    gpuLayers: deployment.gpu_layers,
    embeddings: deployment.embeddings,
    chatTemplate: deployment.chat_template,
    ...(deployment.sha256 === undefined ? {} : { sha256: deployment.sha256 }),
    ...(deployment.cache_dir === undefined ? {} : { cacheDir: deployment.cache_dir }),
    ...(deployment.threads === undefined ? {} : { threads: deployment.threads }),
    ...(deployment.batch_size === undefined ? {} : { batchSize: deployment.batch_size }),
    ...(deployment.flash_attention === undefined ? {} : { flashAttention: deployment.flash_attention }),
    ...(extras.metrics === undefined ? {} : { metrics: extras.metrics }),
    ...(extras.logger === undefined ? {} : { logger: extras.logger }),
  };
}
