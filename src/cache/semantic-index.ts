import { LRUCache } from "lru-cache";
import type { GuardSignature } from "./semantic-guard.js";
import { guardsMatch } from "./semantic-guard.js";

/** One remembered question: its unit vector, guard features and the exact-cache key holding its answer. */
interface IndexEntry {
  readonly vector: Float32Array;
  readonly guard: GuardSignature;
  readonly key: string;
}

export interface SemanticMatch {
  readonly key: string;
  readonly similarity: number;
}

/**
 * Per-partition nearest-neighbour index over normalised vectors. A linear scan is fine at these sizes (≤ a few
 * thousand vectors per partition); both the vectors per partition and the partitions are LRU-bounded.
 */
export interface SemanticIndex {
  /** The most similar entry at or above `threshold` whose guard matches; a closer candidate failing the guard is skipped. */
  find(partition: string, vector: Float32Array, guard: GuardSignature, threshold: number): SemanticMatch | undefined;
  add(partition: string, vector: Float32Array, guard: GuardSignature, key: string): void;
  /** Forgets an entry whose answer is gone from the store. */
  remove(partition: string, key: string): void;
  size(): number;
}

/** Creates an empty index with the given caps. */
export function createSemanticIndex(options: { maxEntriesPerPartition: number; maxPartitions: number }): SemanticIndex {
  let total = 0;
  const partitions = new LRUCache<string, LRUCache<string, IndexEntry>>({ max: options.maxPartitions, dispose: (entries) => (total -= entries.size) });
  const createPartition = (): LRUCache<string, IndexEntry> => new LRUCache({ max: options.maxEntriesPerPartition, dispose: () => total-- });

  return {
    find(partition, vector, guard, threshold) {
      const entries = partitions.get(partition);
      if (entries === undefined) return undefined;
      let best: IndexEntry | undefined;
      let bestSimilarity = threshold;
      // Oldest first, so of equally similar entries the newest wins.
      for (const entry of entries.rvalues()) {
        if (entry === undefined) continue;
        const similarity = dot(entry.vector, vector);
        if (similarity >= bestSimilarity && guardsMatch(entry.guard, guard)) {
          best = entry;
          bestSimilarity = similarity;
        }
      }
      if (best === undefined) return undefined;
      entries.get(best.key); // a match counts as a use for LRU eviction
      return { key: best.key, similarity: bestSimilarity };
    },
    add(partition, vector, guard, key) {
      let entries = partitions.get(partition);
      if (entries === undefined) {
        entries = createPartition();
        partitions.set(partition, entries);
      }
      entries.set(key, { vector, guard, key });
      total++;
    },
    remove(partition, key) {
      partitions.peek(partition)?.delete(key);
    },
    size: () => total,
  };
}

/** Scales a vector to unit length, so cosine similarity is a dot product. */
export function normalize(values: readonly number[]): Float32Array {
  const vector = Float32Array.from(values);
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let index = 0; index < vector.length; index++) vector[index] = (vector[index] ?? 0) / norm;
  return vector;
}

function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return -1;
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += (a[index] ?? 0) * (b[index] ?? 0);
  return sum;
}
