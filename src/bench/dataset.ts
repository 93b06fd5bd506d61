import { readFile } from "node:fs/promises";
import type { BenchPrompt } from "./bench-prompt.js";
import { createConversationPrompts } from "./conversation-prompts.js";
import { parseDatasetFile } from "./dataset-file.js";
import { createRandomPrompts, randomTokenText } from "./random-dataset.js";
import { createSeededRandom } from "./seeded-random.js";
import { loadTokenizer } from "./tokenizer.js";

export type DatasetKind = "random" | "sharegpt" | "file";

export interface DatasetOptions {
  kind: DatasetKind;
  /** Number of distinct prompts to build. */
  count: number;
  inputLen: number;
  /** --output-len when given; undefined lets file datasets use their own lengths. */
  outputLen: number | undefined;
  defaultOutputLen: number;
  rangeRatio: number;
  prefixLen: number;
  path: string | undefined;
  seed: number;
}

export interface Dataset {
  prompts: BenchPrompt[];
  /** The tokenizer used for the lengths above. */
  tokenizer: string;
}

/** Builds the prompts of a run, deterministically from the seed. */
export async function createDataset(options: DatasetOptions): Promise<Dataset> {
  const tokenizer = await loadTokenizer();
  // A stream of its own, so a change in the dataset never shifts the arrival times of the same seed.
  const random = createSeededRandom((options.seed ^ 0x5bd1e995) >>> 0);
  const prefix = options.prefixLen > 0 ? randomTokenText(options.prefixLen, random, tokenizer) : "";
  const shared = { count: options.count, prefix, prefixTokens: options.prefixLen };
  if (options.kind === "random") {
    const outputLen = options.outputLen ?? options.defaultOutputLen;
    return { prompts: createRandomPrompts({ ...shared, inputLen: options.inputLen, outputLen, rangeRatio: options.rangeRatio }, random, tokenizer), tokenizer: tokenizer.name };
  }
  if (options.path === undefined) throw new Error(`--dataset ${options.kind} needs --dataset-path FILE`);
  const entries = parseDatasetFile(await readFile(options.path, "utf8"));
  const prompts = createConversationPrompts(entries, { ...shared, mode: options.kind, outputLen: options.outputLen, defaultOutputLen: options.defaultOutputLen }, random, tokenizer);
  if (prompts.length === 0) throw new Error(`dataset ${options.path}: no usable prompts`);
  return { prompts, tokenizer: tokenizer.name };
}
