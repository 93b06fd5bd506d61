import type { z } from "zod";
import type { PipelineOperation } from "../pipeline/answer.js";
import { chatCompletionRequestSchema, completionRequestSchema, embeddingRequestSchema } from "../protocol/openai-requests.js";

/** One endpoint a batch may target: the pipeline operation its lines run as, and the schema each line's body must pass. */
export interface BatchEndpoint {
  readonly operation: PipelineOperation;
  readonly schema: z.ZodType;
}

/** The endpoints OpenAI's Batch API serves that this gateway runs. */
export const batchEndpoints: ReadonlyMap<string, BatchEndpoint> = new Map([
  ["/v1/chat/completions", { operation: "chat", schema: chatCompletionRequestSchema }],
  ["/v1/completions", { operation: "completion", schema: completionRequestSchema }],
  ["/v1/embeddings", { operation: "embedding", schema: embeddingRequestSchema }],
]);
