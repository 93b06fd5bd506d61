import type { z } from "zod";
import type { JsonObject } from "../../protocol/openai-responses.js";
import { validateRequest } from "../../protocol/validate-request.js";
import type { PipelineOperation, PipelineRequest } from "../../pipeline/answer.js";
import { readJsonRequest } from "../read-json-body.js";
import type { RouteHandler } from "../route-table.js";
import { runPipeline, type PipelineDeps } from "../run-pipeline.js";

type RequestSchema = z.ZodType<PipelineRequest["body"] & JsonObject>;

/** POST /v1/chat/completions, /v1/completions and /v1/embeddings: validate, run the answer stages, route, answer. */
export function createGenerationRoute(operation: PipelineOperation, schema: RequestSchema, deps: PipelineDeps): RouteHandler {
  return async (context) => {
    const received = await readJsonRequest(context.request, deps.bodyLimitBytes);
    const body = validateRequest(schema, received.body);
    await runPipeline(context, deps, { operation, body, clientBody: { body, bytes: received.bytes } });
  };
}
