import type { Dtype } from "./dtype-bits.js";

/**
 * How a model stores its KV cache per token and layer. `heads`: one key and one value vector per KV head,
 * sharded across tensor-parallel ranks. `latent`: one compressed vector per layer (DeepSeek MLA), which
 * engines replicate on every rank instead of sharding.
 */
export type KvLayout =
  | { readonly kind: "heads"; readonly kvHeads: number; readonly keyDim: number; readonly valueDim: number }
  | { readonly kind: "latent"; readonly width: number };

/** Mixture-of-experts shape: every expert is resident, only `perToken` of them are read per token. */
export interface ExpertInfo {
  readonly total: number;
  readonly perToken: number;
  /** Parameters of all routed experts over all layers (shared experts and everything else excluded). */
  readonly routedParams: number;
}

/** What the planner needs to know about a model, whichever source (GGUF, config.json, flags) it came from. */
export interface ModelInfo {
  readonly source: string;
  readonly name?: string;
  readonly architecture?: string;
  /** Every parameter that must be resident in GPU memory. */
  readonly params: number;
  /** Parameters read to decode one token: all of them for dense models, shared plus routed experts for MoE. */
  readonly activeParams: number;
  /** Parameters of an untied input embedding table: only one row is looked up per token, so decode does not stream them. */
  readonly lookupOnlyParams: number;
  readonly layers: number;
  readonly attentionHeads: number;
  readonly headDim: number;
  readonly hiddenSize: number;
  /** Width of the feed-forward a token passes through (for MoE: the experts it is routed to); for activation sizing. */
  readonly intermediateSize?: number;
  readonly vocabSize: number;
  readonly kv: KvLayout;
  readonly maxContext?: number;
  readonly experts?: ExpertInfo;
  /** The dtype the weights are stored in, when the source says. */
  readonly weightsDtype?: Dtype;
  /** Exact bytes of the weights when the source lists every tensor (GGUF); overrides params × dtype. */
  readonly weightsBytes?: number;
  /** Caveats met while reading the source, shown to the user. */
  readonly notes: readonly string[];
}
