import type { PipelineOperation } from "../pipeline/answer.js";
import type { Principal } from "../pipeline/principal.js";
import type { JsonObject } from "../protocol/openai-responses.js";

/** One batch line to answer, as its batch's owner. */
export interface BatchCall {
  /** The batch owner (undefined when auth is off): keys, scopes and budgets apply to it. */
  readonly principal: Principal | undefined;
  readonly operation: PipelineOperation;
  readonly body: JsonObject;
  readonly signal: AbortSignal;
}

/** What the line's request answered, success or error, as the output file shows it. */
export interface BatchReply {
  readonly statusCode: number;
  readonly requestId: string;
  readonly body: unknown;
  /** The model version that served the line (docs/registry.md); absent when the registry chose none. */
  readonly modelVersion?: string;
}

/**
 * The port through which the batch worker runs a line through the gateway's own pipeline (built in the composition
 * root, docs/adr/0009-batch-lines-run-in-process.md). It never rejects for a request's own failure: that is a reply.
 */
export type BatchDispatch = (call: BatchCall) => Promise<BatchReply>;
