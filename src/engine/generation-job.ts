import type { LlamaGrammar, Token, TokenBias } from "node-llama-cpp";

/** Sampling settings of one generation, already defaulted the OpenAI way. */
export interface SamplingOptions {
  readonly temperature: number;
  readonly topP: number;
  /** 0 disables top-k. */
  readonly topK: number;
  readonly minP: number;
  /** A 32-bit seed; the same seed and input give the same output. */
  readonly seed: number;
  readonly presencePenalty: number;
  readonly frequencyPenalty: number;
  /** Multiplicative repetition penalty (1 = off), as llama.cpp and vLLM define it. */
  readonly repetitionPenalty: number;
  readonly tokenBias?: TokenBias;
}

/** One sequence's worth of work: a tokenized prompt and how to generate from it. */
export interface GenerationJob {
  readonly prompt: readonly Token[];
  /** Undefined: until the context window is full. */
  readonly maxTokens: number | undefined;
  readonly sampling: SamplingOptions;
  readonly stopStrings: readonly string[];
  /** Tokens that end the turn besides the model's end-of-generation tokens (a chat template's end marker). */
  readonly stopTokens: ReadonlySet<Token>;
  /** Keep going past end-of-generation tokens (vLLM's `ignore_eos`), for benchmarks. */
  readonly ignoreEos: boolean;
  readonly grammar?: LlamaGrammar;
}

export type FinishReason = "stop" | "length";

/** How a generation ended, with exact token counts. */
export interface GenerationOutcome {
  readonly finishReason: FinishReason;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens that were already in the sequence's KV cache and not evaluated again. */
  readonly cachedTokens: number;
}
