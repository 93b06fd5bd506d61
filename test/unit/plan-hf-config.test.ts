import { describe, expect, it } from "vitest";
import { hfConfigModelInfo } from "../../src/plan/hf-config-model-info.js";
import { GiB, KiB } from "../../src/plan/units.js";
import { createPlan } from "../../src/plan/create-plan.js";

// Trimmed copies of the published config.json files: only the keys the planner reads, plus a few it must ignore.
const llama3_8b = {
  architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_act: "silu", hidden_size: 4096, intermediate_size: 14336,
  max_position_embeddings: 8192, num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, rope_theta: 500000.0,
  tie_word_embeddings: false, torch_dtype: "bfloat16", vocab_size: 128256,
};
const qwen25_7b = {
  model_type: "qwen2", hidden_size: 3584, intermediate_size: 18944, max_position_embeddings: 32768, num_attention_heads: 28,
  num_hidden_layers: 28, num_key_value_heads: 4, tie_word_embeddings: false, torch_dtype: "bfloat16", vocab_size: 152064,
};
const mixtral_8x7b = {
  model_type: "mixtral", hidden_size: 4096, intermediate_size: 14336, max_position_embeddings: 32768, num_attention_heads: 32,
  num_experts_per_tok: 2, num_hidden_layers: 32, num_key_value_heads: 8, num_local_experts: 8, tie_word_embeddings: false,
  torch_dtype: "bfloat16", vocab_size: 32000,
};
const deepseek_v3 = {
  model_type: "deepseek_v3", first_k_dense_replace: 3, hidden_size: 7168, intermediate_size: 18432, kv_lora_rank: 512,
  max_position_embeddings: 163840, moe_intermediate_size: 2048, n_routed_experts: 256, n_shared_experts: 1, num_attention_heads: 128,
  num_experts_per_tok: 8, num_hidden_layers: 61, num_key_value_heads: 128, q_lora_rank: 1536, qk_nope_head_dim: 128,
  qk_rope_head_dim: 64, quantization_config: { quant_method: "fp8", fmt: "e4m3" }, tie_word_embeddings: false,
  torch_dtype: "bfloat16", v_head_dim: 128, vocab_size: 129280,
};

describe("hfConfigModelInfo", () => {
  it.each([
    // Exact counts published on the model cards / safetensors indexes.
    { what: "Llama-3-8B", config: llama3_8b, params: 8_030_261_248, active: 8_030_261_248 },
    { what: "Qwen2.5-7B (qkv biases)", config: qwen25_7b, params: 7_615_616_512, active: 7_615_616_512 },
    { what: "Mixtral-8x7B (2 of 8 experts)", config: mixtral_8x7b, params: 46_702_792_704, active: 12_879_925_248 },
  ])("counts $what parameters", ({ config, params, active }) => {
    const model = hfConfigModelInfo("config.json", config);
    expect(model.params).toBe(params);
    expect(model.activeParams).toBe(active);
  });

  it("counts DeepSeek-V3 (MLA + 256 routed experts) at 671B with about 37B active", () => {
    const model = hfConfigModelInfo("config.json", deepseek_v3);
    expect(model.params / 1e9).toBeCloseTo(671, 0);
    expect(model.activeParams / 1e9).toBeGreaterThan(36);
    expect(model.activeParams / 1e9).toBeLessThan(38);
    expect(model.kv).toEqual({ kind: "latent", width: 576 });
    expect(model.weightsDtype).toEqual({ name: "fp8", bitsPerElement: 8 });
    // 58 MoE layers × 256 experts × 3 × 7168 × 2048
    expect(model.experts).toEqual({ total: 256, perToken: 8, routedParams: 58 * 256 * 3 * 7168 * 2048 });
  });

  it("plans Llama-3-8B fp16: 14.96 GiB weights, 128 KiB KV per token, 1.00 GiB per 8,192-token sequence", () => {
    const plan = createPlan(hfConfigModelInfo("config.json", llama3_8b), [], { weightsDtype: { name: "fp16", bitsPerElement: 16 }, context: 8192 });
    expect((plan.weights.bytes / GiB).toFixed(2)).toBe("14.96");
    expect(plan.kv.bytesPerToken).toBe(128 * KiB);
    expect((plan.kv.bytesPerSequence / GiB).toFixed(2)).toBe("1.00");
  });

  it("gives Qwen2.5-7B 56 KiB of KV per token", () => {
    const plan = createPlan(hfConfigModelInfo("config.json", qwen25_7b), []);
    expect(plan.kv.bytesPerToken).toBe(56 * KiB);
    expect(plan.context).toBe(32768);
  });

  it("plans DeepSeek-V3 FP8 weights at about 625 GiB", () => {
    const plan = createPlan(hfConfigModelInfo("config.json", deepseek_v3), []);
    expect(plan.weights.bytes / GiB).toBeGreaterThan(624);
    expect(plan.weights.bytes / GiB).toBeLessThan(626);
  });

  it("reads the text_config of a multimodal config", () => {
    const model = hfConfigModelInfo("config.json", { model_type: "llava", text_config: llama3_8b });
    expect(model.params).toBe(8_030_261_248);
  });

  it("defaults head_dim to hidden / heads and honours an explicit one", () => {
    expect(hfConfigModelInfo("c", llama3_8b).headDim).toBe(128);
    expect(hfConfigModelInfo("c", { ...llama3_8b, head_dim: 256 }).kv).toEqual({ kind: "heads", kvHeads: 8, keyDim: 256, valueDim: 256 });
  });

  it("notes families whose MLP it does not know", () => {
    expect(hfConfigModelInfo("c", { ...llama3_8b, model_type: "gpt2" }).notes.join()).toMatch(/gated MLP/);
  });

  it("lists every missing field at once", () => {
    expect(() => hfConfigModelInfo("bad.json", { hidden_size: 64 })).toThrow(/num_hidden_layers[\s\S]*num_attention_heads[\s\S]*vocab_size/);
  });
});
