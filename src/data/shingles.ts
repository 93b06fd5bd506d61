import { fnv1a32, mix32 } from "./hash32.js";

/**
 * The hashed word n-grams of a dedup text (datatrove and text-dedup shingle on word 5-grams). A text shorter than n
 * words is one shingle, so short rows still compare.
 */
export function shingleHashes(text: string, size: number): Set<number> {
  const words = text.length === 0 ? [] : text.split(" ");
  const wordHashes = words.map((word) => fnv1a32(word));
  const shingles = new Set<number>();
  const count = Math.max(1, wordHashes.length - size + 1);
  for (let start = 0; start < count; start += 1) {
    let hash = 0x9747b28c;
    const end = Math.min(start + size, wordHashes.length);
    for (let index = start; index < end; index += 1) hash = mix32(Math.imul(hash, 31) + (wordHashes[index] ?? 0));
    shingles.add(hash);
  }
  return shingles;
}

/** True Jaccard similarity of two shingle sets: what verification computes for every LSH candidate pair. */
export function jaccard(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const value of small) if (large.has(value)) shared += 1;
  return shared / (a.size + b.size - shared);
}
