import { describe, expect, it } from "vitest";
import { costEstimate } from "../../src/plan/cost-estimate.js";
import { createPlan } from "../../src/plan/create-plan.js";
import { decodeCeiling, prefillCeiling } from "../../src/plan/decode-ceiling.js";
import { smallestBatch } from "../../src/plan/fit-gpus.js";
import type { GpuSpec } from "../../src/plan/gpu-catalogue.js";
import { createManualModelInfo } from "../../src/plan/manual-model-info.js";
import { GiB } from "../../src/plan/units.js";

const h100: GpuSpec = { id: "H100-SXM", name: "H100", memory_gib: 80, bandwidth_gb_s: 3350, fp16_tflops: 989, price_per_hour: { on_demand: 4, spot: 2 } };
const smallGpu: GpuSpec = { id: "S", name: "small", memory_gib: 12, bandwidth_gb_s: 1000, fp16_tflops: 100, price_per_hour: { on_demand: 1 } };
const llama3_8b = createManualModelInfo({ params: 8.03e9, layers: 32, heads: 32, kvHeads: 8, headDim: 128, vocab: 128256, intermediate: 14336 });
const fp16 = { name: "fp16", bitsPerElement: 16 };

describe("decodeCeiling", () => {
  const inputs = { weightBytesPerGpu: 16e9, kvBytesPerSequencePerGpu: 1e9, bandwidthBytesPerSecond: 3.2e12, pp: 1 };

  it.each([
    { batch: 1, perSequence: 3.2e12 / 17e9, aggregate: 3.2e12 / 17e9 },
    { batch: 16, perSequence: 3.2e12 / 32e9, aggregate: (16 * 3.2e12) / 32e9 },
  ])("streams weights once and KV per sequence (batch $batch)", ({ batch, perSequence, aggregate }) => {
    const ceiling = decodeCeiling(inputs, batch);
    expect(ceiling.perSequence).toBeCloseTo(perSequence, 9);
    expect(ceiling.aggregate).toBeCloseTo(aggregate, 9);
  });

  it("divides a pipeline's per-sequence speed by its stages", () => {
    const staged = { ...inputs, weightBytesPerGpu: 8e9, pp: 2 };
    expect(decodeCeiling(staged, 1).perSequence).toBeCloseTo(3.2e12 / (2 * 9e9), 9);
  });
});

describe("smallestBatch", () => {
  const at = (batch: number) => decodeCeiling({ weightBytesPerGpu: 16e9, kvBytesPerSequencePerGpu: 1e9, bandwidthBytesPerSecond: 3.2e12, pp: 1 }, batch);

  it("finds the least batch whose aggregate ceiling reaches the rate", () => {
    const batch = smallestBatch(1000, 64, at);
    expect(batch).toBeDefined();
    expect(at(batch ?? 0).aggregate).toBeGreaterThanOrEqual(1000);
    expect(at((batch ?? 0) - 1).aggregate).toBeLessThan(1000);
  });

  it("gives up when even the full capacity is too slow", () => {
    expect(smallestBatch(3200, 64, at)).toBeUndefined();
  });

  it("puts prefill at 2 FLOPs per active parameter", () => {
    expect(prefillCeiling(8e9, 2, 1000)).toBe((2 * 1000e12) / 16e9);
  });
});

describe("costEstimate", () => {
  it("prices every billing mode the GPU has, per hour, per 730-hour month and per 1M output tokens", () => {
    expect(costEstimate(h100, 2, 1000)).toEqual([
      { mode: "on_demand", perHour: 8, perMonth: 8 * 730, perMillionOutputTokens: (8 / 3.6e6) * 1e6 },
      { mode: "spot", perHour: 4, perMonth: 4 * 730, perMillionOutputTokens: (4 / 3.6e6) * 1e6 },
    ]);
  });
});

describe("createPlan fits", () => {
  it("needs 2 H100s for Llama-3-8B fp16 at 16k context × 32 sequences", () => {
    const plan = createPlan(llama3_8b, [h100], { weightsDtype: fp16, context: 16384, concurrency: 32 });
    const fit = plan.fits[0];
    expect(fit?.fits).toBe(true);
    if (fit?.fits !== true) return;
    expect(fit.gpus).toBe(2);
    expect(fit.memory.kvBytesPerSequence).toBe(2 * GiB);
    expect(fit.memory.totalBytes).toBeLessThanOrEqual(fit.usableBytesPerGpu);
    expect(fit.batchPerReplica * fit.replicas).toBeGreaterThanOrEqual(32);
    expect(plan.smallest?.gpu.id).toBe("H100-SXM");
  });

  it("uses one GPU when everything fits", () => {
    const plan = createPlan(llama3_8b, [h100], { weightsDtype: fp16, context: 8192, concurrency: 4 });
    expect(plan.fits[0]).toMatchObject({ fits: true, gpus: 1, parallelism: { tp: 1, pp: 1 }, replicas: 1, batchPerReplica: 4 });
  });

  it("splits weights with tensor parallelism when one GPU cannot hold them", () => {
    const plan = createPlan(llama3_8b, [smallGpu], { weightsDtype: fp16, context: 4096, concurrency: 1 });
    expect(plan.fits[0]).toMatchObject({ fits: true, gpus: 2, parallelism: { tp: 2, pp: 1 } });
  });

  it("honours a fixed tp", () => {
    const plan = createPlan(llama3_8b, [h100], { weightsDtype: fp16, context: 8192, concurrency: 4, tp: 4 });
    expect(plan.fits[0]).toMatchObject({ fits: true, gpus: 4, parallelism: { tp: 4, pp: 1 } });
  });

  it("refuses a tp that does not divide the heads", () => {
    const plan = createPlan(llama3_8b, [h100], { weightsDtype: fp16, tp: 3 });
    expect(plan.fits[0]).toMatchObject({ fits: false, reason: expect.stringMatching(/tp 3/) as unknown });
  });

  it("adds replicas until a target rate is carried, and prices tokens at that rate", () => {
    const plan = createPlan(llama3_8b, [h100], { weightsDtype: fp16, targetRps: 40, avgInput: 500, avgOutput: 500 });
    const fit = plan.fits[0];
    if (fit?.fits !== true) throw new Error("expected a fit");
    expect(fit.decodeTokensPerSecond).toBeGreaterThanOrEqual(40 * 500);
    expect(fit.outputTokensPerSecond).toBe(20_000);
    expect(plan.context).toBe(1000);
    expect(plan.decodeContext).toBe(750);
  });

  it("says why a model fits nowhere", () => {
    const huge = createManualModelInfo({ params: 2e12, layers: 64, heads: 64, kvHeads: 8, headDim: 128, vocab: 32000 });
    const plan = createPlan(huge, [smallGpu], { weightsDtype: fp16, context: 4096 });
    expect(plan.fits[0]).toMatchObject({ fits: false, reason: expect.stringMatching(/GiB per GPU/) as unknown });
    expect(plan.smallest).toBeUndefined();
  });
});
