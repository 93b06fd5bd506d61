import type { z } from "zod";
import { GatewayError } from "../../errors/gateway-error.js";
import type { JsonObject } from "../../protocol/openai-responses.js";
import { validateRequest } from "../../protocol/validate-request.js";
import { checkElementCounts } from "../../protocol/check-element-counts.js";
import type { RequestLimits } from "../../protocol/request-limits-config-schema.js";
import type { LargeBodyGate } from "../large-body-gate.js";
import type { ModelRegistry } from "../../providers/model-registry.js";
import type { AttemptProgress } from "../../routing/attempt-loop.js";
import type { RoutingTable } from "../../routing/routing-table.js";
import { composeStages, type AnswerStage, type PipelineOperation, type PipelineRequest } from "../../pipeline/answer.js";
import { answerHeaders, createRoutedSource } from "../../routing/routed-source.js";
import { readJsonRequest } from "../read-json-body.js";
import type { RequestContext } from "../../pipeline/request-context.js";
import type { RouteHandler } from "../route-table.js";
import { writeAnswer } from "../write-answer.js";
import { clipClientText } from "../../errors/clip-client-text.js";

export interface GenerationRouteDeps {
  registry: ModelRegistry;
  routing: RoutingTable;
  bodyLimitBytes: number;
  requestLimits: RequestLimits;
  /** Bounds how many large bodies are read, parsed and validated at once. */
  largeBodies: LargeBodyGate;
  /** The answer stages, in order (auth, limits, guardrails, cache…), around routing. */
  stages: readonly AnswerStage[];
}

type RequestSchema = z.ZodType<PipelineRequest["body"] & JsonObject>;

/** POST /v1/chat/completions, /v1/completions and /v1/embeddings: validate, run the answer stages, route, answer. */
export function createGenerationRoute(operation: PipelineOperation, schema: RequestSchema, deps: GenerationRouteDeps): RouteHandler {
  const limits = deps.requestLimits;
  const bodyOptions = { limitBytes: deps.bodyLimitBytes, scan: { maxDepth: limits.max_json_depth, maxElements: limits.max_json_elements }, gate: deps.largeBodies };
  return async (context) => {
    const received = await readJsonRequest(context.request, bodyOptions);
    let body: z.output<RequestSchema>;
    try {
      checkElementCounts(received.body, limits);
      body = validateRequest(schema, received.body);
    } finally {
      // Parsing and validation are the memory peak of a large body; what the request keeps afterwards is bounded.
      received.release();
    }
    const router = deps.routing.get(body.model);
    context.facts.model = body.model;
    if (router === undefined) {
      const shown = clipClientText(body.model);
      context.facts.model = shown;
      throw new GatewayError("model_not_found", { message: `The model "${shown}" does not exist.`, param: "model" });
    }
    context.facts.stream = body.stream === true;
    const progress: AttemptProgress = { attempts: 0, model: router.model.name, deployment: undefined, fallbackPosition: 0 };
    const answer = composeStages(context, deps.stages, createRoutedSource(deps.routing, router, context, progress));
    try {
      await writeAnswer(context, await answer({ operation, body, clientBody: { body, bytes: received.bytes } }));
    } catch (error) {
      if (!context.response.headersSent) {
        for (const [name, value] of Object.entries(answerHeaders(progress))) context.response.setHeader(name, value);
      }
      throw error;
    } finally {
      noteRouting(context, progress);
    }
  };
}

function noteRouting(context: RequestContext, progress: AttemptProgress): void {
  if (progress.deployment !== undefined) context.facts.deployment = progress.deployment;
  if (progress.attempts > 0) context.facts.attempts = progress.attempts;
  if (progress.fallbackPosition > 0) context.facts.answeredBy = progress.model;
}
