import type { BenchPrompt } from "./bench-prompt.js";
import type { SeededRandom } from "./seeded-random.js";
import type { BenchTokenizer } from "./tokenizer.js";

export interface RandomDatasetOptions {
  count: number;
  inputLen: number;
  outputLen: number;
  /** Lengths are drawn uniformly from [len·(1−r), len·(1+r)], as in `vllm bench serve --dataset-name random`. */
  rangeRatio: number;
  /** The shared prefix text, already built (empty for none), and its length in tokens. */
  prefix: string;
  prefixTokens: number;
}

/** Builds prompts of random real tokens, so each prompt is exactly its drawn length in the bench's tokenizer. */
export function createRandomPrompts(options: RandomDatasetOptions, random: SeededRandom, tokenizer: BenchTokenizer): BenchPrompt[] {
  const { count, inputLen, outputLen, rangeRatio, prefix, prefixTokens } = options;
  if (!(rangeRatio >= 0 && rangeRatio < 1)) throw new RangeError(`--range-ratio must be in [0, 1) (got ${rangeRatio})`);
  const range = (length: number, minimum: number): [number, number] => [
    Math.max(minimum, Math.floor(length * (1 - rangeRatio))),
    Math.max(minimum, Math.ceil(length * (1 + rangeRatio))),
  ];
  const [inputLow, inputHigh] = range(inputLen, 0);
  const [outputLow, outputHigh] = range(outputLen, 1);
  const prompts: BenchPrompt[] = [];
  for (let index = 0; index < count; index++) {
    const length = random.integer(inputLow, inputHigh);
    const text = prefix + randomTokenText(length, random, tokenizer);
    prompts.push({
      prompt: text,
      messages: [{ role: "user", content: text }],
      inputTokens: prefixTokens + length,
      maxOutputTokens: random.integer(outputLow, outputHigh),
    });
  }
  return prompts;
}

/** Text made of `length` word tokens drawn at random from the tokenizer's vocabulary. */
export function randomTokenText(length: number, random: SeededRandom, tokenizer: BenchTokenizer): string {
  const pool = tokenizer.wordTokens;
  const tokens: number[] = [];
  for (let index = 0; index < length; index++) tokens.push(pool[random.integer(0, pool.length - 1)] ?? 0);
  return tokenizer.decode(tokens);
}
