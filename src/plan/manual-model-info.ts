import type { ModelInfo } from "./model-info.js";

/** A model described on the command line instead of by a file. */
export interface ManualModelShape {
  readonly params: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads?: number;
  readonly headDim?: number;
  readonly vocab: number;
  readonly hidden?: number;
  readonly intermediate?: number;
  readonly activeParams?: number;
}

/** Builds a ModelInfo from explicit shape figures; head_dim defaults to hidden / heads and hidden to heads × head_dim. */
export function createManualModelInfo(shape: ManualModelShape): ModelInfo {
  const headDim = shape.headDim ?? (shape.hidden === undefined ? undefined : shape.hidden / shape.heads);
  if (headDim === undefined) throw new Error("give --head-dim (or --hidden to derive it as hidden / heads)");
  const hiddenSize = shape.hidden ?? shape.heads * headDim;
  const kvHeads = shape.kvHeads ?? shape.heads;
  return {
    source: "command-line shape",
    params: shape.params,
    activeParams: shape.activeParams ?? shape.params,
    lookupOnlyParams: 0,
    layers: shape.layers,
    attentionHeads: shape.heads,
    headDim,
    hiddenSize,
    ...(shape.intermediate === undefined ? {} : { intermediateSize: shape.intermediate }),
    vocabSize: shape.vocab,
    kv: { kind: "heads", kvHeads, keyDim: headDim, valueDim: headDim },
    notes: [],
  };
}
