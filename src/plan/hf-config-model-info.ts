import { readFileSync } from "node:fs";
import { z } from "zod";
import type { Dtype } from "./dtype-bits.js";
import { resolveDtype } from "./dtype-bits.js";
import type { ExpertInfo, KvLayout, ModelInfo } from "./model-info.js";

const count = z.number().int().positive();

// Loose on purpose: config.json files carry dozens of keys this planner has no use for.
const hfConfigSchema = z.looseObject({
  model_type: z.string().optional(),
  num_hidden_layers: count,
  hidden_size: count,
  num_attention_heads: count,
  num_key_value_heads: count.optional(),
  head_dim: count.nullish(),
  vocab_size: count,
  intermediate_size: count.optional(),
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
  max_position_embeddings: count.optional(),
  num_local_experts: count.optional(),
  num_experts: count.nullish(),
  n_routed_experts: count.nullish(),
  num_experts_per_tok: count.nullish(),
  moe_intermediate_size: count.optional(),
  shared_expert_intermediate_size: count.optional(),
  n_shared_experts: z.number().int().nonnegative().nullish(),
  first_k_dense_replace: z.number().int().nonnegative().optional(),
  kv_lora_rank: count.nullish(),
  q_lora_rank: count.nullish(),
  qk_nope_head_dim: count.optional(),
  qk_rope_head_dim: count.optional(),
  v_head_dim: count.optional(),
  quantization_config: z.looseObject({ quant_method: z.string().optional(), bits: z.number().optional() }).optional(),
});

type HfConfig = z.infer<typeof hfConfigSchema>;

// Families whose MLP is gated (gate, up, down), which the parameter count assumes.
const gatedMlpFamilies = new Set([
  "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma", "gemma2", "gemma3_text",
  "deepseek_v2", "deepseek_v3", "phi3", "granite", "olmo2", "internlm2", "yi", "cohere", "exaone",
]);

/** Reads a Hugging Face config.json into a ModelInfo. */
export function readHfConfigModelInfo(file: string): ModelInfo {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return hfConfigModelInfo(file, json);
}

/** Builds a ModelInfo from a parsed config.json (pure, for tests); multimodal configs use their text_config. */
export function hfConfigModelInfo(source: string, json: unknown): ModelInfo {
  const text = json !== null && typeof json === "object" && "text_config" in json && !("num_hidden_layers" in json) ? json.text_config : json;
  const parsed = hfConfigSchema.safeParse(text);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new Error(`${source}: not a usable config.json:\n  - ${problems.join("\n  - ")}`);
  }
  const config = parsed.data;
  const notes: string[] = [];
  if (config.model_type === undefined || !gatedMlpFamilies.has(config.model_type)) {
    notes.push(`model_type ${config.model_type ?? "(none)"}: parameter count assumes a llama-style gated MLP`);
  }
  const counts = hfParamCounts(config);
  const weightsDtype = hfWeightsDtype(config);
  const routing = expertRouting(config);
  const experts = routing === undefined ? undefined : { ...routing, routedParams: counts.routedParams };
  return {
    source,
    ...(config.model_type === undefined ? {} : { architecture: config.model_type }),
    params: counts.params,
    activeParams: counts.activeParams,
    lookupOnlyParams: config.tie_word_embeddings === true ? 0 : config.vocab_size * config.hidden_size,
    layers: config.num_hidden_layers,
    attentionHeads: config.num_attention_heads,
    headDim: headDim(config),
    hiddenSize: config.hidden_size,
    intermediateSize: experts === undefined ? (config.intermediate_size ?? 4 * config.hidden_size) : expertWidth(config) * experts.perToken,
    vocabSize: config.vocab_size,
    kv: kvLayout(config),
    ...(config.max_position_embeddings === undefined ? {} : { maxContext: config.max_position_embeddings }),
    ...(experts === undefined ? {} : { experts }),
    ...(weightsDtype === undefined ? {} : { weightsDtype }),
    notes,
  };
}

/** Total and per-token parameter counts of a llama-style decoder (GQA or MLA attention, dense or MoE MLP). */
function hfParamCounts(config: HfConfig): { params: number; activeParams: number; routedParams: number } {
  const hidden = config.hidden_size;
  const layers = config.num_hidden_layers;
  const embeddings = config.vocab_size * hidden * (config.tie_word_embeddings === true ? 1 : 2);
  const norms = 2 * hidden * layers + hidden;
  const attention = layers * attentionParams(config);
  const experts = expertRouting(config);
  const denseMlp = 3 * hidden * (config.intermediate_size ?? 4 * hidden);
  if (experts === undefined) {
    const params = embeddings + norms + attention + layers * denseMlp;
    return { params, activeParams: params, routedParams: 0 };
  }
  const denseLayers = Math.min(config.first_k_dense_replace ?? 0, layers);
  const moeLayers = layers - denseLayers;
  const expert = 3 * hidden * expertWidth(config);
  const shared =
    config.shared_expert_intermediate_size !== undefined
      ? 3 * hidden * config.shared_expert_intermediate_size
      : (config.n_shared_experts ?? 0) * expert;
  const router = hidden * experts.total;
  const common = embeddings + norms + attention + denseLayers * denseMlp + moeLayers * (shared + router);
  return {
    params: common + moeLayers * experts.total * expert,
    activeParams: common + moeLayers * experts.perToken * expert,
    routedParams: moeLayers * experts.total * expert,
  };
}

function attentionParams(config: HfConfig): number {
  const hidden = config.hidden_size;
  const heads = config.num_attention_heads;
  if (config.kv_lora_rank !== undefined && config.kv_lora_rank !== null) {
    // Multi-head latent attention (DeepSeek V2/V3): low-rank query and joint key-value projections.
    const rope = config.qk_rope_head_dim ?? 64;
    const nope = config.qk_nope_head_dim ?? 128;
    const value = config.v_head_dim ?? nope;
    const qRank = config.q_lora_rank;
    const query = qRank === undefined || qRank === null ? hidden * heads * (nope + rope) : hidden * qRank + qRank + qRank * heads * (nope + rope);
    const keyValue = hidden * (config.kv_lora_rank + rope) + config.kv_lora_rank + config.kv_lora_rank * heads * (nope + value);
    return query + keyValue + heads * value * hidden;
  }
  const dim = headDim(config);
  const kvHeads = config.num_key_value_heads ?? heads;
  const projections = 2 * hidden * heads * dim + 2 * hidden * kvHeads * dim;
  // Qwen2 has biases on q, k and v; attention_bias=true (Llama family) puts them on all four projections.
  const qkvBias = heads * dim + 2 * kvHeads * dim;
  const bias = config.attention_bias === true ? qkvBias + hidden : config.model_type === "qwen2" ? qkvBias : 0;
  return projections + bias;
}

function kvLayout(config: HfConfig): KvLayout {
  if (config.kv_lora_rank !== undefined && config.kv_lora_rank !== null) {
    return { kind: "latent", width: config.kv_lora_rank + (config.qk_rope_head_dim ?? 64) };
  }
  const dim = headDim(config);
  return { kind: "heads", kvHeads: config.num_key_value_heads ?? config.num_attention_heads, keyDim: dim, valueDim: dim };
}

function headDim(config: HfConfig): number {
  if (config.kv_lora_rank !== undefined && config.kv_lora_rank !== null) return (config.qk_nope_head_dim ?? 128) + (config.qk_rope_head_dim ?? 64);
  return config.head_dim ?? config.hidden_size / config.num_attention_heads;
}

function expertRouting(config: HfConfig): Omit<ExpertInfo, "routedParams"> | undefined {
  const total = config.num_local_experts ?? config.num_experts ?? config.n_routed_experts ?? undefined;
  const perToken = config.num_experts_per_tok ?? undefined;
  return total === undefined || perToken === undefined ? undefined : { total, perToken };
}

function expertWidth(config: HfConfig): number {
  return config.moe_intermediate_size ?? config.intermediate_size ?? 4 * config.hidden_size;
}

function hfWeightsDtype(config: HfConfig): Dtype | undefined {
  const quantization = config.quantization_config;
  if (quantization?.quant_method === "fp8") return resolveDtype("fp8");
  if (quantization?.bits === 4) return resolveDtype("int4");
  if (quantization?.bits === 8) return resolveDtype("int8");
  const name = config.torch_dtype ?? config.dtype;
  return name === undefined || name === null ? undefined : resolveDtype(name);
}
