import { performance } from "node:perf_hooks";
import type { z } from "zod";
import { ClientAbortedError, GatewayError } from "../../errors/gateway-error.js";
import { toErrorResponse } from "../../errors/to-error-response.js";
import { readUsage, type JsonObject } from "../../protocol/openai-responses.js";
import { validateRequest } from "../../protocol/validate-request.js";
import type { GenerateOperation } from "../../providers/provider.js";
import type { Deployment, ModelEntry, ModelRegistry } from "../../providers/model-registry.js";
import { readJsonBody } from "../read-json-body.js";
import type { RequestContext, RouteHandler } from "../request-context.js";
import { sendJson } from "../send.js";
import { SseWriter } from "../sse-writer.js";

export interface GenerationRouteDeps {
  registry: ModelRegistry;
  pickDeployment: (model: ModelEntry) => Deployment;
  bodyLimitBytes: number;
}

type GenerationSchema = z.ZodType<JsonObject & { model: string; stream?: boolean | null | undefined }>;

/** POST /v1/chat/completions and /v1/completions: validate, pick a deployment, answer as JSON or SSE. */
export function createGenerationRoute(operation: GenerateOperation, schema: GenerationSchema, deps: GenerationRouteDeps): RouteHandler {
  return async (context) => {
    const request = validateRequest(schema, await readJsonBody(context.request, deps.bodyLimitBytes));
    const deployment = resolveDeployment(deps, request.model, context);
    const call = { operation, body: { ...request, model: deployment.upstreamModel }, signal: context.signal, requestId: context.id };
    const headers = answerHeaders(request.model, deployment);
    context.facts.stream = request.stream === true;
    if (request.stream === true) {
      await streamAnswer(context, deployment, call, headers);
      return;
    }
    const result = await deployment.provider.generate(call);
    if (result.usage !== undefined) context.facts.usage = result.usage;
    sendJson(context.response, 200, result.raw ?? result.body, headers);
  };
}

/** Looks up the model (404 naming `model` when unknown) and picks one of its deployments. */
export function resolveDeployment(deps: Pick<GenerationRouteDeps, "registry" | "pickDeployment">, modelName: string, context: RequestContext): Deployment {
  context.facts.model = modelName;
  const model = deps.registry.get(modelName);
  if (model === undefined) throw new GatewayError("model_not_found", { message: `The model "${modelName}" does not exist.`, param: "model" });
  const deployment = deps.pickDeployment(model);
  context.facts.deployment = deployment.id;
  return deployment;
}

/** The headers that say which model and deployment answered. */
export function answerHeaders(modelName: string, deployment: Deployment): Record<string, string> {
  return { "x-gantry-model": modelName, "x-gantry-deployment": deployment.id };
}

async function streamAnswer(
  context: RequestContext,
  deployment: Deployment,
  call: Parameters<Deployment["provider"]["stream"]>[0],
  headers: Record<string, string>,
): Promise<void> {
  const parts = deployment.provider.stream(call)[Symbol.asyncIterator]();
  // Nothing is sent until the first part arrives, so a failure before it is still a plain HTTP error.
  let next = await parts.next();
  const writer = new SseWriter(context.response);
  writer.start(headers);
  try {
    for (; !next.done; next = await parts.next()) {
      const part = next.value;
      if (context.facts.ttftMs === undefined) context.facts.ttftMs = performance.now() - context.startedAt;
      const usage = readUsage(part.chunk);
      if (usage !== undefined) context.facts.usage = usage;
      if (part.internalUsage !== true) await writer.data(part.raw ?? JSON.stringify(part.chunk));
    }
    writer.done();
  } catch (error) {
    if (error instanceof ClientAbortedError) return;
    const { body } = toErrorResponse(error);
    context.facts.errorCode = body.error.code;
    writer.fail(body);
  } finally {
    if (!next.done) await parts.return?.();
  }
}
