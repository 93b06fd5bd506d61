import type { ModeCost } from "./cost-estimate.js";
import { costEstimate } from "./cost-estimate.js";
import type { DecodeCeiling, DecodeInputs } from "./decode-ceiling.js";
import { decodeCeiling, prefillCeiling } from "./decode-ceiling.js";
import type { GpuSpec } from "./gpu-catalogue.js";
import type { GpuMemory, MemoryInputs, Parallelism } from "./memory-estimate.js";
import { gpuMemory, kvBytesPerToken, sequencesThatFit } from "./memory-estimate.js";
import { tensorParallelProblem } from "./tensor-parallel-problem.js";
import { GiB } from "./units.js";

/** The load to plan for: a number of sequences in flight, or a request rate with an average output length. */
export type Load =
  | { readonly kind: "concurrency"; readonly sequences: number }
  | { readonly kind: "rate"; readonly requestsPerSecond: number; readonly inputTokens: number; readonly outputTokens: number };

/** Everything fitGpu needs besides the GPU. */
export interface ServingInputs {
  readonly memory: MemoryInputs;
  readonly attentionHeads: number;
  /** Weight bytes one decode step of `batch` sequences streams, whole model (see streamed-weights.ts). */
  readonly streamedWeightBytes: (batch: number) => number;
  readonly activeParams: number;
  /** Tokens of KV a sequence holds on average while decoding. */
  readonly decodeContext: number;
  readonly load: Load;
  /** Tensor-parallel degree the user fixed; searched over 1, 2, 4, 8 when absent. */
  readonly tp?: number;
  /** Fraction of each GPU's memory the engine may use (vLLM's gpu_memory_utilization). */
  readonly gpuUtil: number;
}

/** A configuration of one GPU type that holds the model and carries the load. */
export interface GpuFit {
  readonly fits: true;
  readonly gpu: GpuSpec;
  readonly parallelism: Parallelism;
  readonly replicas: number;
  readonly gpus: number;
  /** Full-context sequences one replica has room for. */
  readonly sequencesPerReplica: number;
  /** Sequences each replica runs for this load. */
  readonly batchPerReplica: number;
  readonly usableBytesPerGpu: number;
  /** Per-GPU memory at batchPerReplica sequences. */
  readonly memory: GpuMemory;
  /** Decode ceiling of one replica at batchPerReplica. */
  readonly decode: DecodeCeiling;
  /** Aggregate decode ceiling of all replicas. */
  readonly decodeTokensPerSecond: number;
  readonly prefillTokensPerSecond: number;
  /** Under a target rate: the fraction of each second prompts take at the prefill ceiling, leaving the rest to decode. */
  readonly prefillShare: number;
  /** Output tokens per second the costs are divided by: the target rate, or the decode ceiling. */
  readonly outputTokensPerSecond: number;
  readonly costs: readonly ModeCost[];
}

/** Why no configuration of a GPU type works. */
export interface GpuMiss {
  readonly fits: false;
  readonly gpu: GpuSpec;
  readonly reason: string;
}

const searchedParallelisms: readonly Parallelism[] = [
  { tp: 1, pp: 1 }, { tp: 2, pp: 1 }, { tp: 4, pp: 1 }, { tp: 8, pp: 1 }, { tp: 8, pp: 2 }, { tp: 8, pp: 4 }, { tp: 8, pp: 8 },
];
const maxReplicas = 1024;

/**
 * The fewest GPUs of one type that hold the model and carry the load. TP stays within 8 (one node); beyond,
 * pipeline stages of 8 are added. Ties go to less parallelism: independent replicas scale more simply.
 */
export function fitGpu(gpu: GpuSpec, inputs: ServingInputs): GpuFit | GpuMiss {
  const candidates = inputs.tp === undefined ? searchedParallelisms : [1, 2, 4, 8].map((pp) => ({ tp: inputs.tp ?? 1, pp }));
  const invalid = inputs.tp === undefined ? undefined : tensorParallelProblem(inputs.attentionHeads, inputs.memory.kv, inputs.tp);
  if (invalid !== undefined) return { fits: false, gpu, reason: invalid };
  let best: GpuFit | undefined;
  for (const parallelism of candidates) {
    if (tensorParallelProblem(inputs.attentionHeads, inputs.memory.kv, parallelism.tp) !== undefined || parallelism.pp > inputs.memory.layers) continue;
    const fit = fitParallelism(gpu, inputs, parallelism);
    if (fit !== undefined && (best === undefined || fit.gpus < best.gpus)) best = fit;
  }
  if (best !== undefined) return best;
  const largest = candidates.at(-1) ?? { tp: 1, pp: 1 };
  const usable = gpu.memory_gib * GiB * inputs.gpuUtil;
  if (sequencesThatFit(inputs.memory, largest, usable) >= 1) return { fits: false, gpu, reason: `the load needs more than ${maxReplicas} replicas` };
  const perGpu = gpuMemory(inputs.memory, largest, 1).totalBytes / GiB;
  return { fits: false, gpu, reason: `one sequence needs ${perGpu.toFixed(1)} GiB per GPU even at tp ${largest.tp} pp ${largest.pp}, ${(usable / GiB).toFixed(1)} GiB usable` };
}

/** Fits for every GPU of a catalogue, in catalogue order. */
export function fitGpus(gpus: readonly GpuSpec[], inputs: ServingInputs): (GpuFit | GpuMiss)[] {
  return gpus.map((gpu) => fitGpu(gpu, inputs));
}

function fitParallelism(gpu: GpuSpec, inputs: ServingInputs, parallelism: Parallelism): GpuFit | undefined {
  const usable = gpu.memory_gib * GiB * inputs.gpuUtil;
  const capacity = sequencesThatFit(inputs.memory, parallelism, usable);
  if (capacity < 1) return undefined;
  const gpusPerReplica = parallelism.tp * parallelism.pp;
  const kvPerSequence = kvBytesPerToken(inputs.memory.layers, inputs.memory.kv, inputs.memory.kvBits, parallelism) * inputs.decodeContext;
  const decodeAt = (batch: number): DecodeCeiling => {
    const decodeInputs: DecodeInputs = {
      weightBytesPerGpu: inputs.streamedWeightBytes(batch) / gpusPerReplica,
      kvBytesPerSequencePerGpu: kvPerSequence,
      bandwidthBytesPerSecond: gpu.bandwidth_gb_s * 1e9,
      pp: parallelism.pp,
    };
    return decodeCeiling(decodeInputs, batch);
  };
  const replicaPrefill = prefillCeiling(inputs.activeParams, gpusPerReplica, gpu.fp16_tflops);
  const shape = replicasFor(inputs.load, capacity, decodeAt, replicaPrefill);
  if (shape === undefined) return undefined;
  const gpus = gpusPerReplica * shape.replicas;
  const decode = decodeAt(shape.batch);
  const decodeTokensPerSecond = decode.aggregate * shape.replicas;
  const outputTokensPerSecond = inputs.load.kind === "rate" ? inputs.load.requestsPerSecond * inputs.load.outputTokens : decodeTokensPerSecond;
  return {
    fits: true,
    gpu,
    parallelism,
    replicas: shape.replicas,
    gpus,
    sequencesPerReplica: capacity,
    batchPerReplica: shape.batch,
    usableBytesPerGpu: usable,
    memory: gpuMemory(inputs.memory, parallelism, shape.batch),
    decode,
    decodeTokensPerSecond,
    prefillTokensPerSecond: replicaPrefill * shape.replicas,
    prefillShare: shape.prefillShare,
    outputTokensPerSecond,
    costs: costEstimate(gpu, gpus, outputTokensPerSecond),
  };
}

function replicasFor(
  load: Load,
  capacity: number,
  decodeAt: (batch: number) => DecodeCeiling,
  replicaPrefill: number,
): { replicas: number; batch: number; prefillShare: number } | undefined {
  if (load.kind === "concurrency") {
    const replicas = Math.ceil(load.sequences / capacity);
    return replicas > maxReplicas ? undefined : { replicas, batch: Math.ceil(load.sequences / replicas), prefillShare: 0 };
  }
  for (let replicas = 1; replicas <= maxReplicas; replicas++) {
    const requests = load.requestsPerSecond / replicas;
    // Prompts take their share of each second at the compute ceiling; decode must fit in the rest.
    const prefillShare = (requests * load.inputTokens) / replicaPrefill;
    if (prefillShare >= 1) continue;
    const batch = smallestBatch((requests * load.outputTokens) / (1 - prefillShare), capacity, decodeAt);
    if (batch !== undefined) return { replicas, batch, prefillShare };
  }
  return undefined;
}

/** The smallest batch up to `capacity` whose aggregate decode ceiling reaches `tokensPerSecond` (it grows with the batch). */
export function smallestBatch(tokensPerSecond: number, capacity: number, decodeAt: (batch: number) => DecodeCeiling): number | undefined {
  if (decodeAt(capacity).aggregate < tokensPerSecond) return undefined;
  let low = 1;
  let high = capacity;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (decodeAt(middle).aggregate >= tokensPerSecond) high = middle;
    else low = middle + 1;
  }
  return low;
}
