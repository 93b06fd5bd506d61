import { describe, expect, it } from "vitest";
import { resolveDtype } from "../../src/plan/dtype-bits.js";
import { ggmlTensorBits } from "../../src/plan/ggml-tensor-bits.js";

describe("resolveDtype", () => {
  it.each([
    ["fp32", "fp32", 32],
    ["float32", "fp32", 32],
    ["FP16", "fp16", 16],
    ["bfloat16", "bf16", 16],
    ["fp8", "fp8", 8],
    ["fp8_e4m3", "fp8", 8],
    ["int8", "int8", 8],
    ["int4", "int4", 4],
    ["F16", "fp16", 16],
    ["Q8_0", "Q8_0", 8.5],
    ["q6_k", "Q6_K", 6.5625],
    ["Q5_K_M", "Q5_K_M", 5.69],
    ["Q4_K_M", "Q4_K_M", 4.85],
    ["Q4_0", "Q4_0", 4.5],
  ])("%s → %s at %d bits", (input, name, bits) => {
    expect(resolveDtype(input)).toEqual({ name, bitsPerElement: bits });
  });

  it("does not know made-up types", () => {
    expect(resolveDtype("fp7")).toBeUndefined();
  });
});

describe("ggmlTensorBits", () => {
  it.each([
    [0, "F32", 32],
    [1, "F16", 16],
    [2, "Q4_0", 4.5],
    [8, "Q8_0", 8.5],
    [12, "Q4_K", 4.5],
    [13, "Q5_K", 5.5],
    [14, "Q6_K", 6.5625],
    [30, "BF16", 16],
  ])("type %d is %s at %d bits", (id, name, bits) => {
    expect(ggmlTensorBits(id)).toEqual({ name, bits });
  });

  it("returns undefined for ids it does not know", () => {
    expect(ggmlTensorBits(999)).toBeUndefined();
  });
});
