import { embeddingRequestSchema } from "../../protocol/openai-requests.js";
import { validateRequest } from "../../protocol/validate-request.js";
import { readJsonBody } from "../read-json-body.js";
import type { RouteHandler } from "../request-context.js";
import { sendJson } from "../send.js";
import { answerHeaders, resolveDeployment, type GenerationRouteDeps } from "./generation-route.js";

/** POST /v1/embeddings. */
export function createEmbeddingsRoute(deps: GenerationRouteDeps): RouteHandler {
  return async (context) => {
    const request = validateRequest(embeddingRequestSchema, await readJsonBody(context.request, deps.bodyLimitBytes));
    const deployment = resolveDeployment(deps, request.model, context);
    const result = await deployment.provider.embed({ body: { ...request, model: deployment.upstreamModel }, signal: context.signal, requestId: context.id });
    if (result.usage !== undefined) context.facts.usage = result.usage;
    sendJson(context.response, 200, result.raw ?? result.body, answerHeaders(request.model, deployment));
  };
}
