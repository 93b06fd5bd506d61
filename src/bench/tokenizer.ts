/** The tokenizer the bench uses to build prompts and, when a server reports no usage, to count output tokens. */
export interface BenchTokenizer {
  readonly name: string;
  count(text: string): number;
  decode(tokens: readonly number[]): string;
  /**
   * Tokens that decode to one space-prefixed lowercase word: any sequence of them re-encodes to
   * exactly the same tokens, so a random prompt of N of them is N tokens long.
   */
  readonly wordTokens: readonly number[];
}

let loading: Promise<BenchTokenizer> | undefined;

/** Loads o200k_base (the GPT-4o BPE) once, lazily: the ranks table is large and only some runs need it. */
export function loadTokenizer(): Promise<BenchTokenizer> {
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then((encoding) => {
    // Special-token text (e.g. "<|endoftext|>") in a model's output is counted as plain text, never thrown on.
    const plainText = { disallowedSpecial: new Set<string>() };
    const wordTokens: number[] = [];
    for (let token = 0; token < encoding.vocabularySize; token++) {
      let text: string;
      try {
        text = encoding.decode([token]);
      } catch {
        continue;
      }
      if (/^ [a-z]{3,10}$/.test(text)) wordTokens.push(token);
    }
    return {
      name: "o200k_base",
      count: (text) => encoding.encode(text, plainText).length,
      decode: (tokens) => encoding.decode(tokens),
      wordTokens,
    };
  });
  return loading;
}
