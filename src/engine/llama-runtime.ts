import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";

let shared: Promise<Llama> | undefined;

/**
 * The process-wide llama.cpp runtime. Uses only the prebuilt binaries that ship with node-llama-cpp
 * (CUDA/Vulkan where the machine has them, else CPU) and never compiles or downloads anything.
 */
export function getLlamaRuntime(): Promise<Llama> {
  shared ??= getLlama({
    gpu: "auto",
    build: "never",
    usePrebuiltBinaries: true,
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    // llama.cpp's own errors go to stderr; its warnings (e.g. about absent special tokens) are noise to operators.
    logger: (level, message) => {
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) process.stderr.write(`[llama.cpp] ${message.trimEnd()}\n`);
    },
  });
  // A failed start (no usable binary) must not poison later attempts.
  shared.catch(() => {
    shared = undefined;
  });
  return shared;
}
