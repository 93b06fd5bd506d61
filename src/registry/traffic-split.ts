import { fnv1a, mix } from "../routing/stable-hash.js";

/** One share of a split: a target and the weight it gets. */
export interface SplitShare<T> {
  readonly target: T;
  readonly weight: number;
}

/** Weighted targets with their cumulative bounds, ready for one pick per request. */
export interface TrafficSplit<T> {
  pick(model: string, subject: string): T;
}

const twoTo32 = 2 ** 32;

/**
 * A split over `shares` (non-empty, positive weights). A subject always lands at the same point of [0, total), so
 * it keeps its target for as long as the weights stay the same; raising a canary's weight only moves subjects onto it.
 */
export function createTrafficSplit<T>(shares: readonly SplitShare<T>[]): TrafficSplit<T> {
  const bounds: { upTo: number; target: T }[] = [];
  let total = 0;
  for (const share of shares) {
    total += share.weight;
    bounds.push({ upTo: total, target: share.target });
  }
  const last = bounds.at(-1);
  if (last === undefined) throw new Error("a traffic split needs at least one share");
  return {
    pick(model, subject) {
      // The model is part of the hash, so a user's canary draw on one model says nothing about another.
      const point = (mix(fnv1a(`${model}\n${subject}`), 0x5eed) / twoTo32) * total;
      for (const bound of bounds) if (point < bound.upTo) return bound.target;
      return last.target;
    },
  };
}
