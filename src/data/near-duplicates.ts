import { LRUCache } from "lru-cache";
import type { GrowableArray } from "./growable-array.js";
import type { LshShape } from "./minhash.js";
import { jaccard } from "./shingles.js";
import { UnionFind } from "./union-find.js";

/** Clusters of verified near-duplicates, and for each row the earlier row it was verified against. */
export interface NearDuplicates {
  readonly clusters: UnionFind;
  /** For a row that joined a cluster: the lower-indexed row it was verified against (`none` otherwise). */
  readonly partner: Uint32Array;
  /** The true Jaccard similarity to that partner. */
  readonly similarity: Float32Array;
  /** LSH candidate pairs looked at, and those whose true Jaccard reached the threshold. */
  readonly candidatePairs: number;
  readonly verifiedPairs: number;
}

export const none = 0xffffffff;

/**
 * LSH over per-band hashes: rows are sorted by each band's hash (packed with the row index into one 64-bit key, so
 * the native sort does it and the lowest index leads each group), every member of a group is paired with the group's
 * first row, and a pair counts only when the true Jaccard of its shingles reaches the threshold. Unverified candidates
 * (band collisions of dissimilar rows) are the false positives text-dedup keeps; here they are dropped.
 */
export function findNearDuplicates(bandHashes: readonly GrowableArray<Uint32Array>[], count: number, shape: LshShape, threshold: number, shinglesOf: (index: number) => Set<number>): NearDuplicates {
  const clusters = new UnionFind(count);
  const partner = new Uint32Array(count).fill(none);
  const similarity = new Float32Array(count);
  const cache = new LRUCache<number, Set<number>>({ max: 4096 });
  const shingles = (index: number): Set<number> => {
    let set = cache.get(index);
    if (set === undefined) {
      set = shinglesOf(index);
      cache.set(index, set);
    }
    return set;
  };
  let candidatePairs = 0;
  let verifiedPairs = 0;
  const keys = new BigUint64Array(count);
  for (let band = 0; band < shape.bands; band += 1) {
    const hashes = bandHashes[band];
    if (hashes === undefined) continue;
    for (let index = 0; index < count; index += 1) keys[index] = (BigInt(hashes.get(index)) << 32n) | BigInt(index);
    keys.sort();
    let start = 0;
    while (start < count) {
      const hash = (keys[start] ?? 0n) >> 32n;
      let end = start + 1;
      while (end < count && (keys[end] ?? 0n) >> 32n === hash) end += 1;
      if (end - start > 1) {
        const first = Number((keys[start] ?? 0n) & 0xffffffffn);
        for (let member = start + 1; member < end; member += 1) {
          const row = Number((keys[member] ?? 0n) & 0xffffffffn);
          if (clusters.find(row) === clusters.find(first)) continue;
          candidatePairs += 1;
          const score = jaccard(shingles(first), shingles(row));
          if (score < threshold) continue;
          verifiedPairs += 1;
          clusters.union(first, row);
          if (partner[row] === none || score > (similarity[row] ?? 0)) {
            partner[row] = first;
            similarity[row] = score;
          }
        }
      }
      start = end;
    }
  }
  return { clusters, partner, similarity, candidatePairs, verifiedPairs };
}
