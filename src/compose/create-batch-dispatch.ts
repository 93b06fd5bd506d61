import { randomUUID } from "node:crypto";
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { batchEndpoints } from "../batch/batch-endpoints.js";
import type { BatchDispatch } from "../batch/batch-dispatch.js";
import { GatewayError } from "../errors/gateway-error.js";
import { toErrorResponse } from "../errors/to-error-response.js";
import { routerFor } from "../http/run-pipeline.js";
import { composeStages, type AnswerStage, type PipelineRequest } from "../pipeline/answer.js";
import type { RequestContext } from "../pipeline/request-context.js";
import { validateRequest } from "../protocol/validate-request.js";
import type { AttemptProgress } from "../routing/attempt-loop.js";
import type { ModelVersionResolver } from "../routing/model-version-resolver.js";
import { createRoutedSource } from "../routing/routed-source.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { RequestObserver } from "../telemetry/request-observer.js";

export interface BatchDispatchDeps {
  routing: RoutingTable;
  /** Picks each line's model version as for an online request (docs/registry.md): its split by the sticky subject, else prod. */
  versions: ModelVersionResolver;
  /** The batch pipeline's stages, already wrapped by the observer (main.ts builds the list). */
  stages: readonly AnswerStage[];
  /** Metrics, traces and the request log see each batch line as a request; absent = nothing observes. */
  observer: RequestObserver | undefined;
}

/**
 * Runs a batch line in-process through the same answer stages and routing as the HTTP routes, as the batch's owner,
 * with no socket (docs/adr/0009-batch-lines-run-in-process.md). The answer or the error becomes the line's reply.
 */
export function createBatchDispatch(deps: BatchDispatchDeps): BatchDispatch {
  const operations = new Map([...batchEndpoints].map(([path, endpoint]) => [endpoint.operation, { path, schema: endpoint.schema }]));
  return async (call) => {
    const endpoint = operations.get(call.operation);
    if (endpoint === undefined) throw new Error(`no batch endpoint runs ${call.operation}`);
    // A request object with no connection behind it: stages read its headers (none) and may set response headers.
    const request = new IncomingMessage(new Socket());
    request.method = "POST";
    request.url = endpoint.path;
    const response = new ServerResponse(request);
    const principal = call.principal;
    const context: RequestContext = {
      id: randomUUID(),
      request,
      response,
      signal: call.signal,
      startedAt: performance.now(),
      facts: principal === undefined ? {} : { keyId: principal.id, ...(principal.team === undefined ? {} : { team: principal.team }) },
      params: {},
      ...(principal === undefined ? {} : { principal }),
    };
    deps.observer?.start(context);
    try {
      const body = validateRequest(endpoint.schema, call.body) as PipelineRequest["body"];
      const choice = deps.versions.resolve(context, { operation: call.operation, body });
      const request = choice?.request ?? { operation: call.operation, body };
      const router = routerFor(context, deps.routing, request.body, choice?.router);
      const progress: AttemptProgress = { attempts: 0, model: router.model.name, deployment: undefined, fallbackPosition: 0 };
      const answer = await composeStages(context, deps.stages, createRoutedSource(deps.routing, router, context, progress))(request);
      if (progress.deployment !== undefined) context.facts.deployment = progress.deployment;
      // Lines with `stream: true` are refused at validation, so every answer here is whole.
      if (answer.kind !== "json") throw new GatewayError("internal_error", { message: "A batch line was answered as a stream." });
      response.statusCode = 200;
      return { statusCode: 200, requestId: context.id, body: answer.result.body, ...versionOf(context) };
    } catch (error) {
      const { status, body } = toErrorResponse(error);
      response.statusCode = status;
      context.facts.errorCode = body.error.code;
      return { statusCode: status, requestId: context.id, body, ...versionOf(context) };
    } finally {
      finish(context, deps.observer);
    }
  };
}

/** The version the line was served by, when the registry chose one. */
function versionOf(context: RequestContext): { modelVersion?: string } {
  const version = context.facts.modelVersion;
  return version === undefined || version === "" ? {} : { modelVersion: version };
}

/** Reports the line to the observer once its accounting record exists (as the app does for its requests). */
function finish(context: RequestContext, observer: RequestObserver | undefined): void {
  if (observer === undefined) return;
  const account = context.account;
  if (account !== undefined && account.record === undefined) account.onRecord(() => observer.finish(context));
  else observer.finish(context);
}
