import type { z } from "zod";
import { checkElementCounts } from "../../protocol/check-element-counts.js";
import type { JsonObject } from "../../protocol/openai-responses.js";
import { validateRequest } from "../../protocol/validate-request.js";
import type { PipelineOperation, PipelineRequest } from "../../pipeline/answer.js";
import { readValidatedJson } from "../read-json-body.js";
import type { RouteHandler } from "../route-table.js";
import { runPipeline, type PipelineDeps } from "../run-pipeline.js";

type RequestSchema = z.ZodType<PipelineRequest["body"] & JsonObject>;

/** POST /v1/chat/completions, /v1/completions and /v1/embeddings: bound, validate, run the answer stages, route, answer. */
export function createGenerationRoute(operation: PipelineOperation, schema: RequestSchema, deps: PipelineDeps): RouteHandler {
  return async (context) => {
    const received = await readValidatedJson(context.request, deps.body, (raw) => {
      checkElementCounts(raw, deps.requestLimits);
      return validateRequest(schema, raw);
    });
    const body = received.value;
    await runPipeline(context, deps, { operation, body, clientBody: { body, bytes: received.bytes } });
  };
}
