import { describe, expect, it } from "vitest";
import type { KvLayout } from "../../src/plan/model-info.js";
import type { MemoryInputs } from "../../src/plan/memory-estimate.js";
import { defaultOverheadModel, gpuMemory, kvBytesPerToken, overheadBytes, sequencesThatFit, weightsBytes } from "../../src/plan/memory-estimate.js";
import { GiB, KiB } from "../../src/plan/units.js";

const llama3Kv: KvLayout = { kind: "heads", kvHeads: 8, keyDim: 128, valueDim: 128 };

describe("weightsBytes", () => {
  it.each([
    { what: "1.5B fp32", params: 1.5e9, bits: 32, gib: "5.59" },
    { what: "Llama-3-8B fp16", params: 8.03e9, bits: 16, gib: "14.96" },
    { what: "Llama-3-8B int4", params: 8.03e9, bits: 4, gib: "3.74" },
    { what: "Llama-3-8B Q8_0", params: 8.03e9, bits: 8.5, gib: "7.95" },
    // FP8 is one byte per parameter: 671B in FP8 is about 625 GiB, not the 2.5 TB that 4 bytes per parameter gives.
    { what: "DeepSeek-V3 671B fp8", params: 671e9, bits: 8, gib: "624.92" },
  ])("$what → $gib GiB", ({ params, bits, gib }) => {
    expect((weightsBytes(params, bits) / GiB).toFixed(2)).toBe(gib);
  });
});

describe("kvBytesPerToken", () => {
  it.each([
    { what: "Llama-3-8B fp16", layers: 32, kv: llama3Kv, bits: 16, tp: 1, pp: 1, bytes: 128 * KiB },
    { what: "Qwen2.5-7B fp16", layers: 28, kv: { kind: "heads", kvHeads: 4, keyDim: 128, valueDim: 128 } as KvLayout, bits: 16, tp: 1, pp: 1, bytes: 56 * KiB },
    { what: "Llama-3-8B fp8 KV", layers: 32, kv: llama3Kv, bits: 8, tp: 1, pp: 1, bytes: 64 * KiB },
    { what: "Llama-3-8B per GPU at tp 2", layers: 32, kv: llama3Kv, bits: 16, tp: 2, pp: 1, bytes: 64 * KiB },
    { what: "Llama-3-8B at tp 16 replicates KV heads", layers: 32, kv: llama3Kv, bits: 16, tp: 16, pp: 1, bytes: 16 * KiB },
    { what: "Llama-3-8B per GPU at pp 2", layers: 32, kv: llama3Kv, bits: 16, tp: 1, pp: 2, bytes: 64 * KiB },
    { what: "DeepSeek-V3 MLA latent", layers: 61, kv: { kind: "latent", width: 576 } as KvLayout, bits: 16, tp: 1, pp: 1, bytes: 61 * 576 * 2 },
    { what: "MLA latent is not sharded by tp", layers: 61, kv: { kind: "latent", width: 576 } as KvLayout, bits: 16, tp: 8, pp: 1, bytes: 61 * 576 * 2 },
  ])("$what", ({ layers, kv, bits, tp, pp, bytes }) => {
    expect(kvBytesPerToken(layers, kv, bits, { tp, pp })).toBe(bytes);
  });

  it("gives 1.00 GiB per 8,192-token Llama-3-8B sequence", () => {
    expect(((kvBytesPerToken(32, llama3Kv, 16) * 8192) / GiB).toFixed(2)).toBe("1.00");
  });
});

describe("overheadBytes", () => {
  const shape = { hiddenSize: 4096, intermediateSize: 14336, vocabSize: 128256 };

  it("is runtime + batch tokens × (4 hidden + 2 intermediate / tp) × 2 bytes + 256 logits rows in fp32", () => {
    const forward = 8192 * (4 * 4096 + 2 * 14336) * 2;
    const logits = 256 * 128256 * 4;
    expect(overheadBytes(shape, 1)).toBe(GiB + forward + logits);
    expect(overheadBytes(shape, 2)).toBe(GiB + 8192 * (4 * 4096 + 14336) * 2 + logits);
  });

  it("follows the overhead model it is given", () => {
    expect(overheadBytes(shape, 1, { ...defaultOverheadModel, runtimeBytes: 0, batchTokens: 1, sampledSequences: 1 })).toBe((4 * 4096 + 2 * 14336) * 2 + 128256 * 4);
  });
});

describe("gpuMemory and sequencesThatFit", () => {
  const inputs: MemoryInputs = {
    weightsBytes: weightsBytes(8.03e9, 16),
    layers: 32,
    kv: llama3Kv,
    kvBits: 16,
    shape: { hiddenSize: 4096, intermediateSize: 14336, vocabSize: 128256 },
    context: 8192,
    overhead: defaultOverheadModel,
  };

  it("adds weights, KV for every sequence and overhead", () => {
    const memory = gpuMemory(inputs, { tp: 1, pp: 1 }, 10);
    expect(memory.kvBytesPerSequence).toBe(GiB);
    expect(memory.kvBytes).toBe(10 * GiB);
    expect(memory.totalBytes).toBe(memory.weightsBytes + memory.kvBytes + memory.overheadBytes);
  });

  it("splits weights and KV across tp ranks", () => {
    const split = gpuMemory(inputs, { tp: 2, pp: 1 }, 10);
    expect(split.weightsBytes).toBe(inputs.weightsBytes / 2);
    expect(split.kvBytes).toBe(5 * GiB);
  });

  it("counts the whole sequences left after weights and overhead", () => {
    const memory = gpuMemory(inputs, { tp: 1, pp: 1 }, 0);
    const usable = memory.weightsBytes + memory.overheadBytes + 3.5 * GiB;
    expect(sequencesThatFit(inputs, { tp: 1, pp: 1 }, usable)).toBe(3);
    expect(sequencesThatFit(inputs, { tp: 1, pp: 1 }, memory.weightsBytes)).toBe(0);
  });
});
