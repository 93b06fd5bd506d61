import { isLlamaText, LlamaGrammarEvaluationState, type LlamaContextSequence, type LlamaGrammar, type SequenceEvaluateOptions, type Token } from "node-llama-cpp";
import { createIncrementalDetokenizer } from "./incremental-detokenizer.js";
import type { DecodeGate } from "./decode-gate.js";
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
  /** The context's gate: steps wait while another request edits its KV cache. */
  readonly gate: DecodeGate;
  /** Leading prompt tokens already in this sequence's KV cache. */
  readonly reuse: number;
  readonly job: GenerationJob;
  /** The most tokens to generate (already fitted to the context window). */
  readonly maxTokens: number;
  readonly signal: AbortSignal;
  /** How many other sequences are generating now. */
  readonly batchPeers: () => number;
  readonly onFirstToken: () => void;
  /** Called once the sequence is idle again (after its in-flight step), whether the run ended or was abandoned. */
  readonly onIdle: () => void;
}

const penaltyWindow = 64;

/**
 * Generates on one sequence, yielding text deltas. The next decode step is requested as soon as a token arrives,
 * before its text is handled, so the batch is never held up by this request's consumer (HTTP writes, parsing).
 * An abort ends the run after the step in flight (a token, or the prompt chunk being read).
 */
export async function* generateOnSequence(options: SequenceRunOptions): AsyncGenerator<string, SequenceRunEnd> {
  const { sequence, job, signal } = options;
  const model = sequence.model;
  let iterator: AsyncGenerator<Token, void, void | Token | Token[]> | undefined;
  let pending: Promise<IteratorResult<Token, void>> | undefined;
  try {
    if (signal.aborted) throw abortReason(signal);
    // Keep the cached prefix, drop what differs; at least one prompt token is evaluated so there are logits to sample.
    const reuse = Math.min(options.reuse, job.prompt.length - 1);
    if (sequence.nextTokenIndex > reuse) await options.gate.edit(() => sequence.eraseContextTokenRanges([{ start: reuse, end: sequence.nextTokenIndex }]));
    const generated: Token[] = [];
    const evaluation = sequence.evaluate(job.prompt.slice(reuse), evaluateOptions(job, model, generated));
    iterator = evaluation;
    const requestNext = (): Promise<IteratorResult<Token, void>> => {
      const closed = options.gate.closed();
      return closed === undefined ? evaluation.next() : closed.then(() => evaluation.next());
    };
    const detokenizer = createIncrementalDetokenizer((tokens, special, last) => model.detokenize(tokens, special, last), job.prompt);
    const stops = createStopMatcher([...job.stopStrings, ...grammarStopStrings(job.grammar)]);
    const trimmer = job.grammar?.trimWhitespaceSuffix === true ? createTrailingWhitespaceTrimmer() : undefined;
    const shape = (text: string): string => (trimmer === undefined ? text : trimmer.push(text));
    let next = requestNext();
    pending = next;
    for (;;) {
      // The signal is checked per token rather than raced: a step takes milliseconds, and racing would cost
      // a promise and a listener per token on the hot path.
      const step = await next;
      pending = undefined;
      if (signal.aborted) throw abortReason(signal);
      if (step.done === true) return { finishReason: "stop", completionTokens: generated.length };
      const token = step.value;
      if (generated.length === 0) options.onFirstToken();
      generated.push(token);
      const endOfTurn = job.stopTokens.has(token) || (!job.ignoreEos && model.isEogToken(token));
      const last = generated.length >= options.maxTokens;
      if (!endOfTurn && !last) {
        next = requestNext();
        pending = next;
        // With other sequences in the batch, hand this token on only after the next step is dispatched, so the
        // consumer's work (SSE framing, socket writes) overlaps the decode instead of delaying it. The first token
        // goes out at once (TTFT), and a lone sequence gains nothing from the extra turn of the event loop.
        if (generated.length > 1 && options.batchPeers() > 0) await afterDispatch();
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

/** Resolves two event-loop turns later: after node-llama-cpp's batch dispatch, which it schedules with setImmediate. */
function afterDispatch(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}
