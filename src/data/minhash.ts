import { mix32 } from "./hash32.js";

/** MinHash LSH shape: `bands × rows` hashes per signature; rows that agree on a whole band become candidates. */
export interface LshShape {
  readonly bands: number;
  readonly rows: number;
}

/**
 * One 32-bit hash per band of the row's MinHash signature. The signature's `bands × rows` hash functions are derived
 * from two base hashes per shingle (Kirsch–Mitzenmacher: g_i = h1 + i·h2, then mixed), which keeps the cost at one
 * multiply-add and one mix per function and shingle.
 */
export function minhashBands(shingles: ReadonlySet<number>, shape: LshShape, seed: number): Uint32Array {
  const functions = shape.bands * shape.rows;
  const signature = new Uint32Array(functions).fill(0xffffffff);
  for (const shingle of shingles) {
    const h1 = mix32(shingle ^ seed);
    const h2 = mix32(shingle ^ Math.imul(seed, 0x9e3779b1) ^ 0x5bd1e995) | 1;
    for (let index = 0; index < functions; index += 1) {
      const value = mix32((h1 + Math.imul(index, h2)) >>> 0);
      if (value < (signature[index] ?? 0)) signature[index] = value;
    }
  }
  const bands = new Uint32Array(shape.bands);
  for (let band = 0; band < shape.bands; band += 1) {
    let hash = band + 1;
    for (let row = 0; row < shape.rows; row += 1) hash = mix32(Math.imul(hash, 31) + (signature[band * shape.rows + row] ?? 0));
    bands[band] = hash;
  }
  return bands;
}

/** The probability that two rows with Jaccard similarity `similarity` share at least one band: 1 − (1 − s^r)^b. */
export function candidateProbability(similarity: number, shape: LshShape): number {
  return 1 - (1 - similarity ** shape.rows) ** shape.bands;
}
