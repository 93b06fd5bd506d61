import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createPlan } from "../../src/plan/create-plan.js";
import { ggufModelInfo, readGgufModelInfo } from "../../src/plan/gguf-model-info.js";

// The shared test model lives outside the repository: ../shared/models relative to the repo root.
const stories260K = fileURLToPath(new URL("../../../shared/models/stories260K.gguf", import.meta.url));

describe("readGgufModelInfo on stories260K.gguf", () => {
  it("reads the shape from the GGUF metadata", async () => {
    const model = await readGgufModelInfo(stories260K);
    expect(model.architecture).toBe("llama");
    expect(model.layers).toBe(5);
    expect(model.hiddenSize).toBe(64);
    expect(model.attentionHeads).toBe(8);
    expect(model.kv).toEqual({ kind: "heads", kvHeads: 4, keyDim: 8, valueDim: 8 });
    expect(model.headDim).toBe(8);
    expect(model.vocabSize).toBe(512);
    expect(model.maxContext).toBe(2048);
    expect(model.intermediateSize).toBe(172);
  });

  it("counts parameters and bytes from the tensor infos: all F32", async () => {
    const model = await readGgufModelInfo(stories260K);
    // 2 × 512 × 64 embeddings + 64 norm + 5 × (attention 12,288 + MLP 33,024 + norms 128)
    expect(model.params).toBe(292_800);
    expect(model.weightsBytes).toBe(292_800 * 4);
    expect(model.weightsDtype).toEqual({ name: "F32", bitsPerElement: 32 });
    expect(model.lookupOnlyParams).toBe(512 * 64);
  });

  it("plans its KV cache: 2 × 5 layers × 4 heads × 8 dims × 2 bytes = 640 B per token", async () => {
    const plan = createPlan(await readGgufModelInfo(stories260K), []);
    expect(plan.kv.bytesPerToken).toBe(640);
    expect(plan.context).toBe(2048);
    expect(plan.weights.origin).toBe("tensors");
  });
});

describe("ggufModelInfo", () => {
  const metadata = {
    general: { architecture: "qwen2moe", name: "tiny-moe", file_type: 15 },
    qwen2moe: {
      block_count: 2, embedding_length: 32, context_length: 4096, expert_count: 4, expert_used_count: 1, expert_feed_forward_length: 16,
      attention: { head_count: 4, head_count_kv: 2, key_length: 8, value_length: 8 },
    },
  };
  const tensors = [
    { name: "token_embd.weight", dimensions: [32, 100], ggmlType: 12 },
    { name: "output.weight", dimensions: [32, 100], ggmlType: 14 },
    { name: "blk.0.ffn_up_exps.weight", dimensions: [32, 16, 4], ggmlType: 12 },
    { name: "blk.1.ffn_up_exps.weight", dimensions: [32, 16, 4], ggmlType: 8 },
  ];

  it("takes the quantization label from general.file_type and the bits from the tensors", () => {
    const model = ggufModelInfo("x.gguf", metadata, tensors);
    expect(model.params).toBe(3200 + 3200 + 2048 + 2048);
    expect(model.weightsBytes).toBe((3200 * 4.5 + 3200 * 6.5625 + 2048 * 4.5 + 2048 * 8.5) / 8);
    expect(model.weightsDtype?.name).toBe("Q4_K_M");
    expect(model.vocabSize).toBe(100);
  });

  it("counts only the routed experts a token uses as active", () => {
    const model = ggufModelInfo("x.gguf", metadata, tensors);
    expect(model.experts).toEqual({ total: 4, perToken: 1, routedParams: 4096 });
    expect(model.activeParams).toBe(3200 + 3200 + (2048 + 2048) / 4);
  });

  it("notes tensor types it cannot size and falls back to the file type", () => {
    const model = ggufModelInfo("x.gguf", metadata, [...tensors, { name: "blk.0.attn_q.weight", dimensions: [32, 32], ggmlType: 999 }]);
    expect(model.weightsBytes).toBeUndefined();
    expect(model.weightsDtype).toEqual({ name: "Q4_K_M", bitsPerElement: 4.85 });
    expect(model.notes.join()).toMatch(/unknown ggml tensor types 999/);
  });

  it("reads an MLA latent KV cache", () => {
    const mla = { general: { architecture: "deepseek2" }, deepseek2: { block_count: 1, embedding_length: 64, attention: { head_count: 4, kv_lora_rank: 32 }, rope: { dimension_count: 8 } } };
    expect(ggufModelInfo("x.gguf", mla, tensors).kv).toEqual({ kind: "latent", width: 40 });
  });

  it("says which key is missing", () => {
    expect(() => ggufModelInfo("x.gguf", { general: { architecture: "llama" }, llama: {} }, tensors)).toThrow(/llama\.block_count/);
  });
});
