import { performance } from "node:perf_hooks";
import type { z } from "zod";
import { ClientAbortedError, GatewayError } from "../../errors/gateway-error.js";
import { toErrorResponse } from "../../errors/to-error-response.js";
import { readUsage, type JsonObject } from "../../protocol/openai-responses.js";
import { validateRequest } from "../../protocol/validate-request.js";
import type { GenerateCall, GenerateOperation, Provider, StreamPart } from "../../providers/provider.js";
import type { ModelRegistry } from "../../providers/model-registry.js";
import { runAttempts, type AttemptProgress } from "../../routing/attempt-loop.js";
import type { Lease } from "../../routing/lease.js";
import type { ModelRouter } from "../../routing/model-router.js";
import type { RoutingTable } from "../../routing/routing-table.js";
import { readJsonBody } from "../read-json-body.js";
import type { RequestContext, RouteHandler } from "../request-context.js";
import { sendJson } from "../send.js";
import { SseWriter } from "../sse-writer.js";

export interface GenerationRouteDeps {
  registry: ModelRegistry;
  routing: RoutingTable;
  bodyLimitBytes: number;
}

type GenerationSchema = z.ZodType<JsonObject & { model: string; stream?: boolean | null | undefined }>;

interface OpenStream {
  readonly parts: AsyncIterator<StreamPart>;
  readonly first: IteratorResult<StreamPart>;
}

/** POST /v1/chat/completions and /v1/completions: validate, try the fast path, then route with retries and fallbacks. */
export function createGenerationRoute(operation: GenerateOperation, schema: GenerationSchema, deps: GenerationRouteDeps): RouteHandler {
  return async (context) => {
    const request = validateRequest(schema, await readJsonBody(context.request, deps.bodyLimitBytes));
    const router = resolveRouter(deps, request.model, context);
    const stream = request.stream === true;
    context.facts.stream = stream;
    const callFor = (upstreamModel: string): GenerateCall => ({ operation, body: { ...request, model: upstreamModel }, signal: context.signal, requestId: context.id });

    const fastPath = router.fastPath;
    if (fastPath !== undefined && fastPath.answers(operation, request)) {
      const deployment = `${router.model.name}/fast-path`;
      const progress: AttemptProgress = { attempts: 0, model: router.model.name, deployment, fallbackPosition: 0 };
      context.facts.deployment = deployment;
      await answerFrom(context, fastPath, callFor(request.model), stream, progress, undefined);
      return;
    }

    const progress: AttemptProgress = { attempts: 0, model: router.model.name, deployment: undefined, fallbackPosition: 0 };
    const input = { body: request, headers: context.request.headers };
    try {
      if (stream) {
        const { value, lease } = await runAttempts(deps.routing, router, input, context.signal, progress, async (deployment, attemptLease): Promise<OpenStream> => {
          const parts = deployment.provider.stream(callFor(deployment.upstreamModel))[Symbol.asyncIterator]();
          // Nothing is sent until the first part arrives, so a failure before it can still be retried elsewhere.
          const first = await parts.next();
          attemptLease.firstByte();
          return { parts, first };
        });
        noteAnswer(context, progress);
        await pipeStream(context, value, answerHeaders(progress), lease);
        return;
      }
      const { value, lease } = await runAttempts(deps.routing, router, input, context.signal, progress, (deployment) => deployment.provider.generate(callFor(deployment.upstreamModel)));
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

/** Looks up the model's router (404 naming `model` when unknown). */
export function resolveRouter(deps: Pick<GenerationRouteDeps, "routing">, modelName: string, context: RequestContext): ModelRouter {
  context.facts.model = modelName;
  const router = deps.routing.get(modelName);
  if (router === undefined) throw new GatewayError("model_not_found", { message: `The model "${modelName}" does not exist.`, param: "model" });
  return router;
}

/** The headers that say which model and deployment answered, after how many upstream attempts, and whether by fallback. */
export function answerHeaders(progress: AttemptProgress): Record<string, string> {
  return {
    "x-gantry-model": progress.model,
    ...(progress.deployment === undefined ? {} : { "x-gantry-deployment": progress.deployment }),
    "x-gantry-attempts": String(progress.attempts),
    "x-gantry-fallback": progress.fallbackPosition > 0 ? "true" : "false",
  };
}

/** Records the answering deployment for the request log. */
export function noteAnswer(context: RequestContext, progress: AttemptProgress): void {
  if (progress.deployment !== undefined) context.facts.deployment = progress.deployment;
}

/** Answers straight from a provider with no routing (the rules fast path). */
async function answerFrom(context: RequestContext, provider: Provider, call: GenerateCall, stream: boolean, progress: AttemptProgress, lease: Lease | undefined): Promise<void> {
  if (!stream) {
    const result = await provider.generate(call);
    if (result.usage !== undefined) context.facts.usage = result.usage;
    sendJson(context.response, 200, result.raw ?? result.body, answerHeaders(progress));
    return;
  }
  const parts = provider.stream(call)[Symbol.asyncIterator]();
  await pipeStream(context, { parts, first: await parts.next() }, answerHeaders(progress), lease);
}

/** Sends an opened stream as SSE; a failure after the first part becomes an error event and is never retried. */
async function pipeStream(context: RequestContext, stream: OpenStream, headers: Record<string, string>, lease: Lease | undefined): Promise<void> {
  const { parts } = stream;
  let next = stream.first;
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
    lease?.succeed();
    writer.done();
  } catch (error) {
    if (error instanceof ClientAbortedError || context.signal.reason instanceof ClientAbortedError) {
      lease?.abandon();
      return;
    }
    lease?.fail(error);
    const { body } = toErrorResponse(error);
    context.facts.errorCode = body.error.code;
    writer.fail(body);
  } finally {
    lease?.abandon();
    if (!next.done) await parts.return?.();
  }
}
