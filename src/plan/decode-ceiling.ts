/** What one decode step of a replica has to stream from memory, per GPU, and how fast it can. */
export interface DecodeInputs {
  /** Weight bytes each GPU reads per step: its share of the parameters a token touches. */
  readonly weightBytesPerGpu: number;
  /** KV bytes each GPU reads per sequence per step: its share of the cache at the average decode context. */
  readonly kvBytesPerSequencePerGpu: number;
  /** Bytes per second one GPU's memory delivers. */
  readonly bandwidthBytesPerSecond: number;
  /** Pipeline stages; a token passes through each in turn. */
  readonly pp: number;
}

/** Upper bounds on decode speed, tokens per second. */
export interface DecodeCeiling {
  readonly perSequence: number;
  readonly aggregate: number;
}

/**
 * Decode is memory-bound: each step streams the weights once for the whole batch plus every sequence's KV.
 * With B sequences and micro-batches of max(1, B / pp) per stage, a stage step takes
 * t = (weights + micro-batch × KV) / bandwidth, each sequence gains a token every pp × t, so
 * per sequence ≤ 1 / (pp × t) and aggregate ≤ B / (pp × t). Compute, communication and scheduling only lower it.
 */
export function decodeCeiling(inputs: DecodeInputs, batch: number): DecodeCeiling {
  const microBatch = Math.max(1, batch / inputs.pp);
  const stepSeconds = (inputs.weightBytesPerGpu + microBatch * inputs.kvBytesPerSequencePerGpu) / inputs.bandwidthBytesPerSecond;
  const perSequence = 1 / (inputs.pp * stepSeconds);
  return { perSequence, aggregate: batch * perSequence };
}

/** Prefill is compute-bound: about 2 FLOPs per active parameter per prompt token, at peak FP16 throughput. */
export function prefillCeiling(activeParams: number, gpus: number, fp16Tflops: number): number {
  return (gpus * fp16Tflops * 1e12) / (2 * activeParams);
}
