import type { Dtype } from "./dtype-bits.js";
import { resolveDtype } from "./dtype-bits.js";
import type { GpuFit, GpuMiss, Load } from "./fit-gpus.js";
import { fitGpus } from "./fit-gpus.js";
import type { GpuSpec } from "./gpu-catalogue.js";
import type { GpuMemory, MemoryInputs, OverheadModel } from "./memory-estimate.js";
import { defaultOverheadModel, gpuMemory, kvBytesPerToken, weightsBytes } from "./memory-estimate.js";
import type { ModelInfo } from "./model-info.js";
import { streamedParams } from "./streamed-weights.js";

/** What the user asked for, already parsed and checked. */
export interface PlanOptions {
  /** Overrides the dtype the model source declares. */
  readonly weightsDtype?: Dtype;
  readonly kvDtype?: Dtype;
  readonly context?: number;
  readonly concurrency?: number;
  readonly targetRps?: number;
  readonly avgInput?: number;
  readonly avgOutput?: number;
  readonly tp?: number;
  readonly gpuUtil?: number;
  readonly overhead?: OverheadModel;
}

/** Where the weight size came from, so the report can say how exact it is. */
export type WeightsOrigin = "flag" | "tensors" | "source" | "default";

/** The whole answer of `gantry plan`, in bytes, tokens and USD; formatting is plan-report's job. */
export interface Plan {
  readonly model: ModelInfo;
  /** streamedBytesPerToken: what a decode step of one sequence reads (larger batches touch more MoE experts). */
  readonly weights: { readonly dtype: Dtype; readonly bytes: number; readonly origin: WeightsOrigin; readonly streamedBytesPerToken: number };
  /** KV cache of the whole model (all ranks together). */
  readonly kv: { readonly dtype: Dtype; readonly bytesPerToken: number; readonly bytesPerSequence: number };
  readonly context: number;
  readonly decodeContext: number;
  readonly load: Load;
  readonly gpuUtil: number;
  readonly overhead: OverheadModel;
  /** Memory of one replica at the requested tp (1 by default) holding the concurrency (or one sequence under a rate). */
  readonly replicaMemory: { readonly tp: number; readonly sequences: number; readonly perGpu: GpuMemory };
  readonly fits: readonly (GpuFit | GpuMiss)[];
  /** Fewest GPUs over all types; ties go to the lower on-demand price. */
  readonly smallest: GpuFit | undefined;
  /** Lowest monthly price per billing mode over all fitting configurations. */
  readonly cheapest: readonly { readonly mode: string; readonly fit: GpuFit; readonly perMonth: number }[];
  readonly notes: readonly string[];
}

const fp16 = resolveDtype("fp16") ?? { name: "fp16", bitsPerElement: 16 };
const fallbackContext = 4096;

/** Computes a plan for a model over the given GPUs (pure). */
export function createPlan(model: ModelInfo, gpus: readonly GpuSpec[], options: PlanOptions = {}): Plan {
  const notes = [...model.notes];
  const weights = resolveWeights(model, options.weightsDtype, notes);
  const kvDtype = options.kvDtype ?? fp16;
  const context = resolveContext(model, options, notes);
  const hasAverages = options.avgInput !== undefined && options.avgOutput !== undefined;
  // While decoding, a sequence holds its prompt plus, on average, half of its answer.
  const decodeContext = hasAverages ? Math.min(context, (options.avgInput ?? 0) + (options.avgOutput ?? 0) / 2) : context;
  const load: Load =
    options.targetRps !== undefined
      ? { kind: "rate", requestsPerSecond: options.targetRps, inputTokens: options.avgInput ?? 0, outputTokens: options.avgOutput ?? 0 }
      : { kind: "concurrency", sequences: options.concurrency ?? 1 };
  const overhead = options.overhead ?? defaultOverheadModel;
  const gpuUtil = options.gpuUtil ?? 0.9;
  const memory: MemoryInputs = {
    weightsBytes: weights.bytes,
    layers: model.layers,
    kv: model.kv,
    kvBits: kvDtype.bitsPerElement,
    shape: { hiddenSize: model.hiddenSize, intermediateSize: model.intermediateSize ?? 4 * model.hiddenSize, vocabSize: model.vocabSize },
    context,
    overhead,
  };
  const bytesPerParam = weights.bytes / model.params;
  const fits = fitGpus(gpus, {
    memory,
    attentionHeads: model.attentionHeads,
    streamedWeightBytes: (batch) => streamedParams(model, batch) * bytesPerParam,
    activeParams: model.activeParams,
    decodeContext,
    load,
    ...(options.tp === undefined ? {} : { tp: options.tp }),
    gpuUtil,
  });
  if (fits.some((fit) => fit.fits && fit.decode.perSequence > 1000)) {
    notes.push("decode ceilings above ~1,000 tokens/s per sequence mean steps under 1 ms: kernel launches and scheduling, not bandwidth, set the real speed there");
  }
  const tp = options.tp ?? 1;
  const kvPerToken = kvBytesPerToken(model.layers, model.kv, kvDtype.bitsPerElement);
  const sequences = load.kind === "concurrency" ? load.sequences : 1;
  return {
    model,
    weights,
    kv: { dtype: kvDtype, bytesPerToken: kvPerToken, bytesPerSequence: kvPerToken * context },
    context,
    decodeContext,
    load,
    gpuUtil,
    overhead,
    replicaMemory: { tp, sequences, perGpu: gpuMemory(memory, { tp, pp: 1 }, sequences) },
    fits,
    smallest: smallestFit(fits),
    cheapest: cheapestFits(fits),
    notes,
  };
}

function resolveWeights(model: ModelInfo, flag: Dtype | undefined, notes: string[]): Plan["weights"] {
  let dtype: Dtype;
  let bytes: number;
  let origin: WeightsOrigin;
  if (flag !== undefined) {
    dtype = flag;
    bytes = weightsBytes(model.params, flag.bitsPerElement);
    origin = "flag";
  } else if (model.weightsBytes !== undefined) {
    bytes = model.weightsBytes;
    dtype = { name: model.weightsDtype?.name ?? "mixed", bitsPerElement: (bytes * 8) / model.params };
    origin = "tensors";
  } else if (model.weightsDtype !== undefined) {
    dtype = model.weightsDtype;
    bytes = weightsBytes(model.params, dtype.bitsPerElement);
    origin = "source";
  } else {
    dtype = fp16;
    bytes = weightsBytes(model.params, fp16.bitsPerElement);
    origin = "default";
    notes.push("weight dtype unknown: assuming fp16 (pass --dtype)");
  }
  return { dtype, bytes, origin, streamedBytesPerToken: (streamedParams(model, 1) * bytes) / model.params };
}

function resolveContext(model: ModelInfo, options: PlanOptions, notes: string[]): number {
  if (options.context !== undefined) {
    if (model.maxContext !== undefined && options.context > model.maxContext) {
      notes.push(`--context ${options.context} exceeds the model's trained context of ${model.maxContext}`);
    }
    return options.context;
  }
  if (options.avgInput !== undefined && options.avgOutput !== undefined) return options.avgInput + options.avgOutput;
  if (model.maxContext !== undefined) return model.maxContext;
  notes.push(`context unknown: assuming ${fallbackContext} tokens (pass --context)`);
  return fallbackContext;
}

function smallestFit(fits: readonly (GpuFit | GpuMiss)[]): GpuFit | undefined {
  let best: GpuFit | undefined;
  for (const fit of fits) {
    if (!fit.fits) continue;
    if (best === undefined || fit.gpus < best.gpus || (fit.gpus === best.gpus && onDemandHourly(fit) < onDemandHourly(best))) best = fit;
  }
  return best;
}

function onDemandHourly(fit: GpuFit): number {
  return fit.costs.find((cost) => cost.mode === "on_demand")?.perHour ?? Number.POSITIVE_INFINITY;
}

function cheapestFits(fits: readonly (GpuFit | GpuMiss)[]): Plan["cheapest"] {
  const best = new Map<string, { mode: string; fit: GpuFit; perMonth: number }>();
  for (const fit of fits) {
    if (!fit.fits) continue;
    for (const cost of fit.costs) {
      const current = best.get(cost.mode);
      if (current === undefined || cost.perMonth < current.perMonth) best.set(cost.mode, { mode: cost.mode, fit, perMonth: cost.perMonth });
    }
  }
  return [...best.values()];
}
