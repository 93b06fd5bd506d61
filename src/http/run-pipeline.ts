import { clipClientText } from "../errors/clip-client-text.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { ModelRegistry } from "../providers/model-registry.js";
import type { AttemptProgress } from "../routing/attempt-loop.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { ModelRouter } from "../routing/model-router.js";
import { composeStages, type AnswerStage, type PipelineRequest } from "../pipeline/answer.js";
import { answerHeaders, createRoutedSource } from "../routing/routed-source.js";
import type { RequestContext } from "../pipeline/request-context.js";
import { writeAnswer, type AnswerEncoder } from "./write-answer.js";
import type { JsonBodyOptions } from "./read-json-body.js";
import type { RequestLimits } from "../protocol/request-limits-config-schema.js";
import type { ModelVersionResolver } from "../routing/model-version-resolver.js";

/** What answering a request needs: the routing state and the answer stages. */
export interface PipelineDeps {
  registry: ModelRegistry;
  routing: RoutingTable;
  /** How request bodies are read: the size limit, the JSON pre-scan's bounds and the large-body gate. */
  body: JsonBodyOptions;
  /** Element counts per field, checked before validation. */
  requestLimits: RequestLimits;
  /** The answer stages, in order (auth, limits, guardrails, cache…), around routing. */
  stages: readonly AnswerStage[];
  /** Picks the model version each request is served by (docs/registry.md). */
  versions: ModelVersionResolver;
}

/**
 * Runs a validated chat, completion or embedding request through the answer stages and routing, and writes the answer
 * with `encoder` (OpenAI's wire format by default; the Responses and Messages routes pass their translations).
 */
export async function runPipeline(context: RequestContext, deps: PipelineDeps, clientRequest: PipelineRequest, encoder?: AnswerEncoder): Promise<void> {
  // The version is chosen before any stage, so limits, guardrails and the cache see the request it will serve.
  const choice = deps.versions.resolve(context, clientRequest);
  const request = choice?.request ?? clientRequest;
  const router = routerFor(context, deps.routing, request.body, choice?.router);
  const progress: AttemptProgress = { attempts: 0, model: router.model.name, deployment: undefined, fallbackPosition: 0 };
  const answer = composeStages(context, deps.stages, createRoutedSource(deps.routing, router, context, progress));
  try {
    await writeAnswer(context, await answer(request), encoder);
    if (choice !== undefined) deps.versions.answered(context, choice);
  } catch (error) {
    if (!context.response.headersSent) {
      for (const [name, value] of Object.entries(answerHeaders(progress))) context.response.setHeader(name, value);
    }
    throw error;
  } finally {
    noteRouting(context, progress);
  }
}

/**
 * The requested model's router, or the one its chosen version routes through (a 404 model_not_found when there is
 * none); notes the model in the request's facts.
 */
export function routerFor(context: RequestContext, routing: RoutingTable, body: PipelineRequest["body"], chosen?: ModelRouter): ModelRouter {
  const router = chosen ?? routing.get(body.model);
  if (router === undefined) {
    const shown = clipClientText(body.model);
    context.facts.model = shown;
    throw new GatewayError("model_not_found", { message: `The model "${shown}" does not exist.`, param: "model" });
  }
  context.facts.model = body.model;
  context.facts.stream = body.stream === true;
  return router;
}

function noteRouting(context: RequestContext, progress: AttemptProgress): void {
  if (progress.deployment !== undefined) context.facts.deployment = progress.deployment;
  if (progress.attempts > 0) context.facts.attempts = progress.attempts;
}
