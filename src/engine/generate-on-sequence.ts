import { isLlamaText, LlamaGrammarEvaluationState, type LlamaContextSequence, type LlamaGrammar, type SequenceEvaluateOptions, type Token } from "node-llama-cpp";
import { createIncrementalDetokenizer } from "./incremental-detokenizer.js";
import { createStopMatcher } from "./stop-matcher.js";
import { createTrailingWhitespaceTrimmer } from "./trailing-whitespace.js";
import type { FinishReason, GenerationJob } from "./generation-job.js";

/** The end of one sequence's run. */
export interface SequenceRunEnd {
  readonly finishReason: FinishReason;
  readonly completionTokens: number;
}

export interface SequenceRunOptions {
  readonly sequence: LlamaContextSequence;
  /** Leading prompt tokens already in this sequence's KV cache. */
  readonly reuse: number;
  readonly job: GenerationJob;
  /** The most tokens to generate (already fitted to the context window). */
  readonly maxTokens: number;
  readonly signal: AbortSignal;
  readonly onFirstToken: () => void;
  /** Called once the sequence is idle again (after its in-flight step), whether the run ended or was abandoned. */
  readonly onIdle: () => void;
}

const penaltyWindow = 64;

/**
 * Generates on one sequence, yielding text deltas. The next decode step is requested as soon as a token arrives,
 * before its text is handled, so the batch is never held up by this request's consumer (HTTP writes, parsing).
 * An abort ends the run at once; the sequence finishes at most the one step already in flight.
 */
export async function* generateOnSequence(options: SequenceRunOptions): AsyncGenerator<string, SequenceRunEnd> {
  const { sequence, job, signal } = options;
  const model = sequence.model;
  let iterator: AsyncGenerator<Token, void, void | Token | Token[]> | undefined;
  let pending: Promise<IteratorResult<Token, void>> | undefined;
  try {
    // Keep the cached prefix, drop what differs; at least one prompt token is evaluated so there are logits to sample.
    const reuse = Math.min(options.reuse, job.prompt.length - 1);
    if (sequence.nextTokenIndex > reuse) await sequence.eraseContextTokenRanges([{ start: reuse, end: sequence.nextTokenIndex }]);
    const generated: Token[] = [];
    iterator = sequence.evaluate(job.prompt.slice(reuse), evaluateOptions(job, model, generated));
    const detokenizer = createIncrementalDetokenizer((tokens, special, last) => model.detokenize(tokens, special, last), job.prompt);
    const stops = createStopMatcher([...job.stopStrings, ...grammarStopStrings(job.grammar)]);
    const trimmer = job.grammar?.trimWhitespaceSuffix === true ? createTrailingWhitespaceTrimmer() : undefined;
    const shape = (text: string): string => (trimmer === undefined ? text : trimmer.push(text));
    let next = iterator.next();
    pending = next;
    for (;;) {
      const step = await raceAbort(next, signal);
      pending = undefined;
      if (step.done === true) return { finishReason: "stop", completionTokens: generated.length };
      const token = step.value;
      if (generated.length === 0) options.onFirstToken();
      generated.push(token);
      const endOfTurn = job.stopTokens.has(token) || (!job.ignoreEos && model.isEogToken(token));
      const last = generated.length >= options.maxTokens;
      if (!endOfTurn && !last) {
        next = iterator.next();
        pending = next;
      }
      if (endOfTurn) {
        const rest = shape(stops.flush() + detokenizer.flush());
        if (rest !== "") yield rest;
        return { finishReason: "stop", completionTokens: generated.length };
      }
      const match = stops.push(detokenizer.push(token));
      const text = shape(match.emit);
      if (text !== "") yield text;
      if (match.stopped) return { finishReason: "stop", completionTokens: generated.length };
      if (last) {
        const rest = shape(stops.flush() + detokenizer.flush());
        if (rest !== "") yield rest;
        return { finishReason: "length", completionTokens: generated.length };
      }
    }
  } finally {
    release(iterator, pending, options.onIdle);
  }
}

function evaluateOptions(job: GenerationJob, model: LlamaContextSequence["model"], generated: Token[]): SequenceEvaluateOptions {
  const { sampling } = job;
  const penalize = sampling.presencePenalty !== 0 || sampling.frequencyPenalty !== 0 || sampling.repetitionPenalty !== 1;
  return {
    temperature: sampling.temperature,
    topP: sampling.topP,
    topK: sampling.topK,
    minP: sampling.minP,
    seed: sampling.seed,
    // End-of-generation tokens come back to the loop, which decides (stop, or ignore_eos) and counts them.
    yieldEogToken: true,
    ...(sampling.tokenBias === undefined ? {} : { tokenBias: sampling.tokenBias }),
    ...(job.grammar === undefined ? {} : { grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar: job.grammar }) }),
    ...(penalize
      ? {
          repeatPenalty: {
            punishTokens: () => generated.slice(-penaltyWindow),
            maxPunishTokens: penaltyWindow,
            penalty: sampling.repetitionPenalty,
            presencePenalty: sampling.presencePenalty,
            frequencyPenalty: sampling.frequencyPenalty,
          },
        }
      : {}),
  };
}

/** A grammar's own stop triggers (e.g. a run of newlines after complete JSON), as text. */
function grammarStopStrings(grammar: LlamaGrammar | undefined): string[] {
  if (grammar === undefined) return [];
  return grammar.stopGenerationTriggers.flatMap((trigger) => {
    if (typeof trigger === "string") return [trigger];
    const values = isLlamaText(trigger) ? trigger.values : trigger;
    return values.every((value): value is string => typeof value === "string") ? [values.join("")] : [];
  });
}

/** Ends the evaluation in the background and reports the sequence idle once its in-flight step is done. */
function release(
  iterator: AsyncGenerator<Token, void, void | Token | Token[]> | undefined,
  pending: Promise<IteratorResult<Token, void>> | undefined,
  onIdle: () => void,
): void {
  pending?.catch(() => undefined);
  if (iterator === undefined) {
    onIdle();
    return;
  }
  // return() queues behind a pending next(), so the sequence is handed on only once nothing decodes into it.
  iterator.return().then(onIdle, onIdle);
}

/** Resolves with the promise, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
