// Bits per element of each ggml tensor type, from its block layout (bytes per block × 8 / elements per block),
// keyed by the numeric type id stored in GGUF tensor infos. Ids follow ggml.h (and node-llama-cpp's GgmlType).
const ggmlTypes: ReadonlyMap<number, { readonly name: string; readonly bits: number }> = new Map([
  [0, { name: "F32", bits: 32 }],
  [1, { name: "F16", bits: 16 }],
  [2, { name: "Q4_0", bits: (18 * 8) / 32 }],
  [3, { name: "Q4_1", bits: (20 * 8) / 32 }],
  [6, { name: "Q5_0", bits: (22 * 8) / 32 }],
  [7, { name: "Q5_1", bits: (24 * 8) / 32 }],
  [8, { name: "Q8_0", bits: (34 * 8) / 32 }],
  [9, { name: "Q8_1", bits: (36 * 8) / 32 }],
  [10, { name: "Q2_K", bits: (84 * 8) / 256 }],
  [11, { name: "Q3_K", bits: (110 * 8) / 256 }],
  [12, { name: "Q4_K", bits: (144 * 8) / 256 }],
  [13, { name: "Q5_K", bits: (176 * 8) / 256 }],
  [14, { name: "Q6_K", bits: (210 * 8) / 256 }],
  [15, { name: "Q8_K", bits: (292 * 8) / 256 }],
  [16, { name: "IQ2_XXS", bits: (66 * 8) / 256 }],
  [17, { name: "IQ2_XS", bits: (74 * 8) / 256 }],
  [18, { name: "IQ3_XXS", bits: (98 * 8) / 256 }],
  [19, { name: "IQ1_S", bits: (50 * 8) / 256 }],
  [20, { name: "IQ4_NL", bits: (18 * 8) / 32 }],
  [21, { name: "IQ3_S", bits: (110 * 8) / 256 }],
  [22, { name: "IQ2_S", bits: (82 * 8) / 256 }],
  [23, { name: "IQ4_XS", bits: (136 * 8) / 256 }],
  [24, { name: "I8", bits: 8 }],
  [25, { name: "I16", bits: 16 }],
  [26, { name: "I32", bits: 32 }],
  [27, { name: "I64", bits: 64 }],
  [28, { name: "F64", bits: 64 }],
  [29, { name: "IQ1_M", bits: (56 * 8) / 256 }],
  [30, { name: "BF16", bits: 16 }],
  [34, { name: "TQ1_0", bits: (54 * 8) / 256 }],
  [35, { name: "TQ2_0", bits: (66 * 8) / 256 }],
  [39, { name: "MXFP4", bits: (17 * 8) / 32 }],
]);

/** The name and bits per element of a ggml tensor type id; undefined for types this planner does not know. */
export function ggmlTensorBits(typeId: number): { readonly name: string; readonly bits: number } | undefined {
  return ggmlTypes.get(typeId);
}
