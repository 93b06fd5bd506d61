import type { Dtype } from "./dtype-bits.js";
import { resolveDtype } from "./dtype-bits.js";
import { ggmlTensorBits } from "./ggml-tensor-bits.js";
import { metadataNumber, metadataPath } from "./metadata-path.js";
import type { KvLayout, ModelInfo } from "./model-info.js";

/** The parts of a GGUF tensor info the planner reads (node-llama-cpp's GgufTensorInfo fits). */
export interface GgufTensor {
  readonly name: string;
  readonly dimensions: readonly (number | bigint)[];
  readonly ggmlType: number;
}

// general.file_type ids (llama.cpp's llama_ftype), for the quantization label; the bits come from the tensors.
const fileTypeNames: ReadonlyMap<number, string> = new Map([
  [0, "F32"], [1, "F16"], [2, "Q4_0"], [3, "Q4_1"], [7, "Q8_0"], [8, "Q5_0"], [9, "Q5_1"], [10, "Q2_K"],
  [11, "Q3_K_S"], [12, "Q3_K_M"], [13, "Q3_K_L"], [14, "Q4_K_S"], [15, "Q4_K_M"], [16, "Q5_K_S"], [17, "Q5_K_M"],
  [18, "Q6_K"], [19, "IQ2_XXS"], [20, "IQ2_XS"], [21, "Q2_K_S"], [22, "IQ3_XS"], [23, "IQ3_XXS"], [24, "IQ1_S"],
  [25, "IQ4_NL"], [26, "IQ3_S"], [27, "IQ3_M"], [28, "IQ2_S"], [29, "IQ2_M"], [30, "IQ4_XS"], [31, "IQ1_M"],
  [32, "BF16"], [36, "TQ1_0"], [37, "TQ2_0"], [38, "MXFP4_MOE"],
]);

/** Reads a GGUF file's header (metadata and tensor infos only, not the weights) into a ModelInfo. */
export async function readGgufModelInfo(file: string): Promise<ModelInfo> {
  // Imported lazily: node-llama-cpp is large and only this input needs it.
  const { readGgufFileInfo } = await import("node-llama-cpp");
  const info = await readGgufFileInfo(file, {
    sourceType: "filesystem",
    logWarnings: false,
    ignoreKeys: ["tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.merges"],
  });
  return ggufModelInfo(file, info.metadata, info.fullTensorInfo ?? info.tensorInfo ?? []);
}

/** Builds a ModelInfo from parsed GGUF metadata and tensor infos (pure, for tests). */
export function ggufModelInfo(source: string, metadata: unknown, tensors: readonly GgufTensor[]): ModelInfo {
  const architecture = metadataPath(metadata, "general.architecture");
  if (typeof architecture !== "string") throw new Error(`${source}: no general.architecture in GGUF metadata`);
  const arch = (key: string): number | undefined => metadataNumber(metadata, `${architecture}.${key}`);
  const required = (key: string): number => {
    const value = arch(key);
    if (value === undefined) throw new Error(`${source}: GGUF metadata lacks ${architecture}.${key}`);
    return value;
  };
  const notes: string[] = [];
  const layers = required("block_count");
  const hiddenSize = required("embedding_length");
  const attentionHeads = required("attention.head_count");
  const kvHeads = arch("attention.head_count_kv") ?? attentionHeads;
  const keyDim = arch("attention.key_length") ?? hiddenSize / attentionHeads;
  const valueDim = arch("attention.value_length") ?? hiddenSize / attentionHeads;
  const kvLoraRank = arch("attention.kv_lora_rank");
  const kv: KvLayout =
    kvLoraRank === undefined
      ? { kind: "heads", kvHeads, keyDim, valueDim }
      : { kind: "latent", width: kvLoraRank + (arch("rope.dimension_count") ?? 0) };

  const tokens = metadataPath(metadata, "tokenizer.ggml.tokens");
  const embedding = tensors.find((tensor) => tensor.name === "token_embd.weight");
  const vocabSize =
    arch("vocab_size") ?? (Array.isArray(tokens) ? tokens.length : undefined) ?? dimension(embedding, 1);
  if (vocabSize === undefined) throw new Error(`${source}: cannot tell the vocabulary size`);

  if (tensors.length === 0) throw new Error(`${source}: GGUF has no tensor infos`);
  const weights = tensorTotals(tensors);
  if (weights.unknownTypes.length > 0) {
    notes.push(`unknown ggml tensor types ${weights.unknownTypes.join(", ")}: weight bytes estimated from the file type`);
  }
  const params = weights.params;

  const expertCount = arch("expert_count");
  const expertsUsed = arch("expert_used_count");
  const experts =
    expertCount !== undefined && expertsUsed !== undefined ? { total: expertCount, perToken: expertsUsed, routedParams: weights.expertParams } : undefined;
  const activeParams = experts === undefined ? params : params - weights.expertParams * (1 - experts.perToken / experts.total);
  const hasOutputHead = tensors.some((tensor) => tensor.name === "output.weight");
  const lookupOnlyParams = hasOutputHead && embedding !== undefined ? elements(embedding) : 0;

  const fileTypeId = metadataNumber(metadata, "general.file_type");
  const fileTypeName = (fileTypeId === undefined ? undefined : fileTypeNames.get(fileTypeId)) ?? weights.dominantType;
  const exactBytes = weights.unknownTypes.length === 0 ? weights.bytes : undefined;
  const weightsDtype = ggufDtype(fileTypeName, exactBytes, params);
  const feedForward = arch("feed_forward_length");
  const expertFeedForward = arch("expert_feed_forward_length");
  const intermediateSize = experts !== undefined && expertFeedForward !== undefined ? expertFeedForward * experts.perToken : feedForward;
  const name = metadataPath(metadata, "general.name");
  const maxContext = arch("context_length");

  return {
    source,
    ...(typeof name === "string" ? { name } : {}),
    architecture,
    params,
    activeParams,
    lookupOnlyParams,
    layers,
    attentionHeads,
    headDim: keyDim,
    hiddenSize,
    ...(intermediateSize === undefined ? {} : { intermediateSize }),
    vocabSize,
    kv,
    ...(maxContext === undefined ? {} : { maxContext }),
    ...(experts === undefined ? {} : { experts }),
    ...(weightsDtype === undefined ? {} : { weightsDtype }),
    ...(exactBytes === undefined ? {} : { weightsBytes: exactBytes }),
    notes,
  };
}

interface TensorTotals {
  params: number;
  bytes: number;
  expertParams: number;
  unknownTypes: string[];
  dominantType: string | undefined;
}

function tensorTotals(tensors: readonly GgufTensor[]): TensorTotals {
  const totals: TensorTotals = { params: 0, bytes: 0, expertParams: 0, unknownTypes: [], dominantType: undefined };
  const bytesByType = new Map<string, number>();
  for (const tensor of tensors) {
    const count = elements(tensor);
    totals.params += count;
    // llama.cpp names stacked routed-expert tensors ffn_{gate,up,down}_exps; shared experts (_shexp) are always active.
    if (tensor.name.includes("_exps.")) totals.expertParams += count;
    const type = ggmlTensorBits(tensor.ggmlType);
    if (type === undefined) {
      if (!totals.unknownTypes.includes(String(tensor.ggmlType))) totals.unknownTypes.push(String(tensor.ggmlType));
      continue;
    }
    const bytes = (count * type.bits) / 8;
    totals.bytes += bytes;
    bytesByType.set(type.name, (bytesByType.get(type.name) ?? 0) + bytes);
  }
  let most = 0;
  for (const [name, bytes] of bytesByType) {
    if (bytes > most) {
      most = bytes;
      totals.dominantType = name;
    }
  }
  return totals;
}

function ggufDtype(fileTypeName: string | undefined, exactBytes: number | undefined, params: number): Dtype | undefined {
  if (exactBytes !== undefined) {
    return { name: fileTypeName ?? "mixed", bitsPerElement: (exactBytes * 8) / params };
  }
  return fileTypeName === undefined ? undefined : resolveDtype(fileTypeName);
}

function elements(tensor: GgufTensor): number {
  return tensor.dimensions.reduce<number>((product, size) => product * Number(size), 1);
}

function dimension(tensor: GgufTensor | undefined, index: number): number | undefined {
  const size = tensor?.dimensions[index];
  return size === undefined ? undefined : Number(size);
}
