import type { Token } from "node-llama-cpp";

/** The model's detokenizer: tokens to text, given the tokens before them (for leading-space rules). */
export type Detokenize = (tokens: readonly Token[], specialTokens: boolean, lastTokens: readonly Token[]) => string;

/** Turns generated tokens into text deltas one token at a time. */
export interface IncrementalDetokenizer {
  /** The text this token completes; "" while it is part of an unfinished UTF-8 character. */
  push(token: Token): string;
  /** Whatever is still held back when generation ends. */
  flush(): string;
}

const replacementCharacter = "\uFFFD";
// A UTF-8 character spans at most 4 byte-fallback tokens; holding more would only delay real U+FFFD output.
const maxHeldTokens = 4;
const historyLength = 16;

/** Creates a detokenizer seeded with the prompt's tail, so the first generated word keeps its leading space. */
export function createIncrementalDetokenizer(detokenize: Detokenize, promptTail: readonly Token[]): IncrementalDetokenizer {
  let history = promptTail.slice(-historyLength);
  let held: Token[] = [];

  const release = (text: string): string => {
    history = [...history, ...held].slice(-historyLength);
    held = [];
    return text;
  };

  return {
    push(token) {
      held.push(token);
      const text = detokenize(held, false, history);
      if (text.endsWith(replacementCharacter) && held.length < maxHeldTokens) return "";
      return release(text);
    },
    flush() {
      return held.length === 0 ? "" : release(detokenize(held, false, history));
    },
  };
}
