import { performance } from "node:perf_hooks";
import type { LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import { getLlamaRuntime } from "../../src/engine/llama-runtime.js";
import type { StreamTiming } from "./stream-client.js";

/** node-llama-cpp called directly, no gateway: the ceiling the gateway is measured against. */
export interface DirectEngine {
  readonly model: LlamaModel;
  /** Generates exactly `maxTokens` tokens (end-of-generation ignored) on a free sequence. */
  run(prompt: string, maxTokens: number, seed: number): Promise<StreamTiming>;
  dispose(): Promise<void>;
}

/** Loads the model with the same context settings the gateway's deployment uses (default batching). */
export async function createDirectEngine(modelPath: string, options: { contextSize: number; parallel: number; threads: number }): Promise<DirectEngine> {
  const llama = await getLlamaRuntime();
  const model = await llama.loadModel({ modelPath });
  const context: LlamaContext = await model.createContext({ contextSize: options.contextSize, sequences: options.parallel, threads: options.threads, flashAttention: false });
  const free: LlamaContextSequence[] = Array.from({ length: options.parallel }, () => context.getSequence());
  const bos = model.tokens.bos;
  return {
    model,
    async run(prompt, maxTokens, seed) {
      const sequence = free.pop();
      if (sequence === undefined) throw new Error("more concurrent runs than sequences");
      try {
        await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
        const tokens = bos === null ? model.tokenize(prompt) : [bos, ...model.tokenize(prompt)];
        const start = performance.now();
        let ttftMs = Number.NaN;
        let count = 0;
        const iterator = sequence.evaluate(tokens, { temperature: 1, topK: 0, topP: 1, seed, yieldEogToken: true });
        for await (const token of iterator) {
          void token;
          if (count === 0) ttftMs = performance.now() - start;
          if (++count >= maxTokens) break;
        }
        return { ttftMs, e2eMs: performance.now() - start, tokens: count, promptTokens: tokens.length, cachedTokens: 0, text: "" };
      } finally {
        free.push(sequence);
      }
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}
