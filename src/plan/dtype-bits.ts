/** A storage type for weights or KV cache, with the bits one element really takes (scales included). */
export interface Dtype {
  readonly name: string;
  readonly bitsPerElement: number;
}

// GGUF file types are per-model mixes (k-quants keep some tensors at higher precision), so their figures
// are averages measured on Llama-2-7B by llama.cpp's quantize README; block-uniform types are exact block math.
const dtypeBits: ReadonlyMap<string, number> = new Map([
  ["fp32", 32],
  ["fp16", 16],
  ["bf16", 16],
  ["fp8", 8],
  ["int8", 8],
  ["int4", 4],
  ["Q8_0", 8.5],
  ["Q6_K", 6.5625],
  ["Q5_K_M", 5.69],
  ["Q5_K_S", 5.52],
  ["Q5_1", 6],
  ["Q5_0", 5.5],
  ["Q4_K_M", 4.85],
  ["Q4_K_S", 4.58],
  ["Q4_1", 5],
  ["Q4_0", 4.5],
  ["Q3_K_L", 4.27],
  ["Q3_K_M", 3.91],
  ["Q3_K_S", 3.5],
  ["Q2_K", 3.35],
  ["IQ4_XS", 4.25],
  ["IQ4_NL", 4.5],
  ["IQ3_M", 3.66],
  ["IQ3_S", 3.44],
  ["IQ3_XS", 3.3],
  ["IQ3_XXS", 3.06],
  ["IQ2_M", 2.7],
  ["IQ2_S", 2.5],
  ["IQ2_XS", 2.31],
  ["IQ2_XXS", 2.06],
  ["IQ1_M", 1.75],
  ["IQ1_S", 1.56],
  ["MXFP4", 4.25],
]);

const aliases: ReadonlyMap<string, string> = new Map([
  ["float32", "fp32"],
  ["f32", "fp32"],
  ["float16", "fp16"],
  ["half", "fp16"],
  ["f16", "fp16"],
  ["bfloat16", "bf16"],
  ["float8", "fp8"],
  ["fp8_e4m3", "fp8"],
  ["fp8_e5m2", "fp8"],
  ["f8_e4m3", "fp8"],
  ["i8", "int8"],
  ["i4", "int4"],
  ["q3_k", "Q3_K_M"],
]);

/** Resolves a dtype name (fp16, bf16, fp8, int4, or a GGUF type such as Q4_K_M), case-insensitively; undefined if unknown. */
export function resolveDtype(name: string): Dtype | undefined {
  const lower = name.trim().toLowerCase();
  const canonical = aliases.get(lower) ?? lower;
  for (const [known, bits] of dtypeBits) {
    if (known.toLowerCase() === canonical) return { name: known, bitsPerElement: bits };
  }
  return undefined;
}

/** Every dtype name resolveDtype accepts (without aliases), for help and error messages. */
export function knownDtypeNames(): string[] {
  return [...dtypeBits.keys()];
}
