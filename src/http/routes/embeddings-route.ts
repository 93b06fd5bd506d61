import { embeddingRequestSchema } from "../../protocol/openai-requests.js";
import { validateRequest } from "../../protocol/validate-request.js";
import { runAttempts, type AttemptProgress } from "../../routing/attempt-loop.js";
import { readJsonBody } from "../read-json-body.js";
import type { RouteHandler } from "../request-context.js";
import { sendJson } from "../send.js";
import { answerHeaders, noteAnswer, resolveRouter, type GenerationRouteDeps } from "./generation-route.js";

/** POST /v1/embeddings: routed with the same retries, breaker and fallbacks as generation. */
export function createEmbeddingsRoute(deps: GenerationRouteDeps): RouteHandler {
  return async (context) => {
    const request = validateRequest(embeddingRequestSchema, await readJsonBody(context.request, deps.bodyLimitBytes));
    const router = resolveRouter(deps, request.model, context);
    const progress: AttemptProgress = { attempts: 0, model: router.model.name, deployment: undefined, fallbackPosition: 0 };
    try {
      const { value, lease } = await runAttempts(deps.routing, router, { body: request, headers: context.request.headers }, context.signal, progress, (deployment) =>
        deployment.provider.embed({ body: { ...request, model: deployment.upstreamModel }, signal: context.signal, requestId: context.id }),
      );
      lease.succeed();
      noteAnswer(context, progress);
      if (value.usage !== undefined) context.facts.usage = value.usage;
      sendJson(context.response, 200, value.raw ?? value.body, answerHeaders(progress));
    } catch (error) {
      if (!context.response.headersSent) for (const [name, value] of Object.entries(answerHeaders(progress))) context.response.setHeader(name, value);
      throw error;
    }
  };
}
