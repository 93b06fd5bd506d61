import type { KvLayout } from "./model-info.js";
import { GiB } from "./units.js";

/** How a replica is split: tensor parallel ranks shard each layer, pipeline stages split the layers. */
export interface Parallelism {
  readonly tp: number;
  readonly pp: number;
}

/** Bytes of weights: parameters × bits per weight / 8 (FP8 is 1 byte per parameter, int4 half a byte). */
export function weightsBytes(params: number, bitsPerWeight: number): number {
  return (params * bitsPerWeight) / 8;
}

/**
 * KV-cache bytes per token held by one GPU. Heads layout: 2 (K and V) × layers × kv_heads × head_dim × bytes
 * when key and value dims match; a TP rank holds ceil(kv_heads / tp) heads, since engines replicate KV heads when
 * tp exceeds their count. Latent (MLA) layout: layers × latent width × bytes, replicated on every TP rank.
 * Pipeline stages each hold their share of the layers. With tp = pp = 1 this is the model's total per token.
 */
export function kvBytesPerToken(layers: number, kv: KvLayout, kvBits: number, parallelism: Parallelism = { tp: 1, pp: 1 }): number {
  const stageLayers = Math.ceil(layers / parallelism.pp);
  const perLayer = kv.kind === "latent" ? kv.width : Math.ceil(kv.kvHeads / parallelism.tp) * (kv.keyDim + kv.valueDim);
  return (stageLayers * perLayer * kvBits) / 8;
}

/** The assumptions behind the activation and runtime overhead, per GPU. */
export interface OverheadModel {
  /** CUDA context, cuBLAS/NCCL workspaces and CUDA graphs: about 1 GiB on current stacks. */
  readonly runtimeBytes: number;
  /** Tokens in one forward pass (vLLM's max_num_batched_tokens, chunked prefill). */
  readonly batchTokens: number;
  /** Sequences sampled in one step (vLLM's max_num_seqs, 256 by default); each needs a row of FP32 logits. */
  readonly sampledSequences: number;
  /** Activations are kept in 16-bit floats whatever the weight dtype. */
  readonly activationBytes: number;
}

/** The defaults documented in docs/plan.md. */
export const defaultOverheadModel: OverheadModel = { runtimeBytes: 1 * GiB, batchTokens: 8192, sampledSequences: 256, activationBytes: 2 };

/** Shape fields the activation estimate reads. */
export interface ActivationShape {
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
}

/**
 * Runtime plus peak activation bytes on one GPU: batchTokens × (4 × hidden + 2 × intermediate / tp) × activation
 * bytes (residual, attention and gated-MLP buffers of one forward pass; the MLP is sharded by TP) plus
 * sampledSequences × vocab × 4 bytes of FP32 logits.
 */
export function overheadBytes(shape: ActivationShape, tp: number, model: OverheadModel = defaultOverheadModel): number {
  const forward = model.batchTokens * (4 * shape.hiddenSize + (2 * shape.intermediateSize) / tp) * model.activationBytes;
  const logits = Math.min(model.batchTokens, model.sampledSequences) * shape.vocabSize * 4;
  return model.runtimeBytes + forward + logits;
}

/** Memory one GPU of a replica needs, by part, for `sequences` sequences of `context` tokens. */
export interface GpuMemory {
  readonly weightsBytes: number;
  readonly kvBytesPerToken: number;
  readonly kvBytesPerSequence: number;
  readonly kvBytes: number;
  readonly overheadBytes: number;
  readonly totalBytes: number;
}

/** Inputs to gpuMemory: the model's sizes (whole model) and the serving shape. */
export interface MemoryInputs {
  readonly weightsBytes: number;
  readonly layers: number;
  readonly kv: KvLayout;
  readonly kvBits: number;
  readonly shape: ActivationShape;
  readonly context: number;
  readonly overhead: OverheadModel;
}

/** Per-GPU memory of a replica split by `parallelism` holding `sequences` full-context sequences. */
export function gpuMemory(inputs: MemoryInputs, parallelism: Parallelism, sequences: number): GpuMemory {
  const weights = inputs.weightsBytes / (parallelism.tp * parallelism.pp);
  const perToken = kvBytesPerToken(inputs.layers, inputs.kv, inputs.kvBits, parallelism);
  const perSequence = perToken * inputs.context;
  const overhead = overheadBytes(inputs.shape, parallelism.tp, inputs.overhead);
  const kv = perSequence * sequences;
  return { weightsBytes: weights, kvBytesPerToken: perToken, kvBytesPerSequence: perSequence, kvBytes: kv, overheadBytes: overhead, totalBytes: weights + kv + overhead };
}

/** How many full-context sequences fit in `usableBytes` per GPU after weights and overhead (0 when none). */
export function sequencesThatFit(inputs: MemoryInputs, parallelism: Parallelism, usableBytes: number): number {
  const empty = gpuMemory(inputs, parallelism, 0);
  const free = usableBytes - empty.weightsBytes - empty.overheadBytes;
  return free <= 0 ? 0 : Math.floor(free / empty.kvBytesPerSequence);
}
