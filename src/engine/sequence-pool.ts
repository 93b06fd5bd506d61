import type { Token } from "node-llama-cpp";
import { GatewayError } from "../errors/gateway-error.js";

/** What the pool needs to know of a sequence: the tokens its KV cache holds. */
export interface PooledSequence {
  readonly contextTokens: readonly Token[];
}

/** A sequence lent to one request; `release` hands it back with its KV cache intact for the next one. */
export interface SequenceLease<Sequence extends PooledSequence> {
  readonly sequence: Sequence;
  /** How many leading prompt tokens this sequence has already evaluated. */
  readonly cachedPrefix: number;
  release(): void;
}

export interface SequencePool<Sequence extends PooledSequence> {
  /** Lends the free sequence sharing the longest prefix with the prompt, waiting in FIFO order when none is free. */
  acquire(prompt: readonly Token[], signal: AbortSignal): Promise<SequenceLease<Sequence>>;
  running(): number;
  waiting(): number;
  /** The sequences now lent out. */
  leased(): Iterable<Sequence>;
  /** Fails every waiter and refuses new requests. */
  close(reason: Error): void;
}

export interface SequencePoolOptions<Sequence extends PooledSequence> {
  readonly sequences: readonly Sequence[];
  /** Waiters beyond this get 429 `engine_overloaded`. */
  readonly queueSize: number;
  readonly retryAfterMs: number;
}

const minUsefulPrefix = 8;

interface Waiter<Sequence extends PooledSequence> {
  readonly prompt: readonly Token[];
  readonly resolve: (lease: SequenceLease<Sequence>) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

/** Creates the pool of a context's sequences: KV-cache-aware lending plus a bounded FIFO queue. */
export function createSequencePool<Sequence extends PooledSequence>(options: SequencePoolOptions<Sequence>): SequencePool<Sequence> {
  // Free sequences with when they were last released, so an idle cache that matches nothing is reused oldest first.
  const free = new Map<Sequence, number>(options.sequences.map((sequence) => [sequence, 0]));
  const busy = new Set<Sequence>();
  const waiters = new Set<Waiter<Sequence>>();
  let releases = 0;
  let closedWith: Error | undefined;

  function lend(prompt: readonly Token[]): SequenceLease<Sequence> {
    // A match of a few tokens (BOS, a template header) is not worth evicting another conversation's cache for.
    const worthwhile = Math.min(minUsefulPrefix, prompt.length - 1);
    let best: Sequence | undefined;
    let bestScore = -1;
    let bestPrefix = 0;
    let bestRank = Infinity;
    for (const [sequence, releasedAt] of free) {
      const tokens = sequence.contextTokens;
      const prefix = commonPrefixLength(tokens, prompt);
      const score = prefix >= worthwhile && prefix > 0 ? prefix : 0;
      // Among equal scores: an empty sequence first, then the one idle longest.
      const rank = tokens.length === 0 ? -1 : releasedAt;
      if (score > bestScore || (score === bestScore && rank < bestRank)) {
        best = sequence;
        bestScore = score;
        bestPrefix = prefix;
        bestRank = rank;
      }
    }
    if (best === undefined) throw new Error("lend() called with no free sequence");
    const sequence = best;
    free.delete(sequence);
    busy.add(sequence);
    let released = false;
    return {
      sequence,
      cachedPrefix: bestPrefix,
      release() {
        if (released) return;
        released = true;
        busy.delete(sequence);
        free.set(sequence, ++releases);
        serveNextWaiter();
      },
    };
  }

  function serveNextWaiter(): void {
    const [next] = waiters;
    if (next === undefined || free.size === 0) return;
    waiters.delete(next);
    next.signal.removeEventListener("abort", next.onAbort);
    next.resolve(lend(next.prompt));
  }

  return {
    acquire(prompt, signal) {
      if (closedWith !== undefined) return Promise.reject(closedWith);
      if (signal.aborted) return Promise.reject(signal.reason);
      if (free.size > 0 && waiters.size === 0) return Promise.resolve(lend(prompt));
      if (waiters.size >= options.queueSize) {
        return Promise.reject(
          new GatewayError("engine_overloaded", {
            message: `All ${options.sequences.length} sequences are busy and ${waiters.size} requests are queued; retry later.`,
            retryAfterMs: options.retryAfterMs,
          }),
        );
      }
      return new Promise<SequenceLease<Sequence>>((resolve, reject) => {
        const waiter: Waiter<Sequence> = {
          prompt,
          resolve,
          reject,
          signal,
          onAbort: () => {
            waiters.delete(waiter);
            reject(signal.reason);
          },
        };
        waiters.add(waiter);
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      });
    },
    running: () => busy.size,
    waiting: () => waiters.size,
    leased: () => busy.values(),
    close(reason) {
      closedWith = reason;
      for (const waiter of waiters) {
        waiter.signal.removeEventListener("abort", waiter.onAbort);
        waiter.reject(reason);
      }
      waiters.clear();
    },
  };
}

/** How many leading tokens two token lists share. */
export function commonPrefixLength(left: readonly Token[], right: readonly Token[]): number {
  const length = Math.min(left.length, right.length);
  let index = 0;
  while (index < length && left[index] === right[index]) index++;
  return index;
}
