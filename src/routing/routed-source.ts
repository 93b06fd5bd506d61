import type { Deployment } from "../providers/model-registry.js";
import type { GenerateCall, StreamPart } from "../pipeline/provider.js";
import type { ObservedAttempt } from "../pipeline/attempt-observer.js";
import { runAttempts, type AttemptProgress } from "./attempt-loop.js";
import type { ModelRouter } from "./model-router.js";
import type { RoutingTable } from "./routing-table.js";
import type { RequestContext } from "../pipeline/request-context.js";
import { reportedModel, streamWithClientModel, upstreamModelHeader, withClientModel } from "./client-model-name.js";
import type { Answer, AnswerSource, PipelineRequest } from "../pipeline/answer.js";
import { observeStream } from "../pipeline/stream-tap.js";
import { ClientAbortedError } from "../errors/gateway-error.js";

/** The headers that say which model and deployment answered, after how many upstream attempts, and whether by fallback. */
export function answerHeaders(progress: AttemptProgress): Record<string, string> {
  return {
    "x-gantry-model": progress.model,
    ...(progress.deployment === undefined ? {} : { "x-gantry-deployment": progress.deployment }),
    "x-gantry-attempts": String(progress.attempts),
    "x-gantry-fallback": progress.fallbackPosition > 0 ? "true" : "false",
  };
}

/**
 * The last source of the pipeline: routes the request over the model's deployments with retries, the breaker and
 * fallbacks. `progress` is filled in as it goes, so a failure can still carry the `x-gantry-*` headers.
 */
export function createRoutedSource(routing: RoutingTable, router: ModelRouter, context: RequestContext, progress: AttemptProgress): AnswerSource {
  return async (request: PipelineRequest): Promise<Answer> => {
    const input = { body: request.body, headers: context.request.headers };
    // Upstream sees the client's id when it gave one, as a mesh propagating x-request-id expects; else the server's.
    const requestId = context.clientRequestId ?? context.id;
    // Answers carry the name the client asked for; the upstream's own name goes in a header.
    const clientModel = request.body.model;
    const headersFor = (reported: string | undefined): Record<string, string> => ({ ...answerHeaders(progress), ...(reported === undefined ? {} : { [upstreamModelHeader]: reported }) });
    const signal = request.signal ?? context.signal;
    // Who answers is known before the answer is written, so every charge uses the answering model's price.
    const answered = (): void => context.account?.answeredBy({ model: progress.model, deployment: progress.deployment });
    // Each attempt is timed (upstream time, for the overhead metric) and traced when the request has telemetry.
    let lastAttempt: ObservedAttempt | undefined;
    const observed = <T>(deployment: Deployment, run: (headers: Readonly<Record<string, string>> | undefined) => Promise<T>, endOnSuccess = true): Promise<T> => {
      const attempt = context.attempts?.beginAttempt(deployment);
      lastAttempt = attempt;
      if (attempt === undefined) return run(undefined);
      return run(attempt.headers).then(
        (value) => {
          if (endOnSuccess) attempt.end();
          return value;
        },
        (error: unknown) => {
          attempt.end(error);
          throw error;
        },
      );
    };
    if (request.operation === "embedding") {
      const { value, lease } = await runAttempts(routing, router, input, signal, progress, (deployment, attemptSignal) =>
        observed(deployment, (headers) => deployment.provider.embed({ body: { ...request.body, model: deployment.upstreamModel }, signal: attemptSignal, requestId, ...withHeaders(headers) })),
      );
      lease.succeed();
      answered();
      return { kind: "json", result: withClientModel(value, clientModel), headers: headersFor(reportedModel(value.body)) };
    }
    const operation = request.operation;
    const callFor = (upstreamModel: string, attemptSignal: AbortSignal, headers: Readonly<Record<string, string>> | undefined): GenerateCall => ({ operation, body: { ...request.body, model: upstreamModel }, signal: attemptSignal, requestId, ...withHeaders(headers) });
    if (request.body.stream !== true) {
      const { value, lease } = await runAttempts(routing, router, input, signal, progress, (deployment, attemptSignal) => observed(deployment, (headers) => deployment.provider.generate(callFor(deployment.upstreamModel, attemptSignal, headers))));
      lease.succeed();
      answered();
      return { kind: "json", result: withClientModel(value, clientModel), headers: headersFor(reportedModel(value.body)) };
    }
    const { value, lease } = await runAttempts(routing, router, input, signal, progress, (deployment, attemptSignal, attemptLease) =>
      observed(
        deployment,
        async (headers) => {
          const parts = deployment.provider.stream(callFor(deployment.upstreamModel, attemptSignal, headers))[Symbol.asyncIterator]();
          // Nothing is sent until the first part arrives, so a failure before it can still be retried elsewhere.
          const first: IteratorResult<StreamPart> = await parts.next();
          attemptLease.firstByte();
          return { parts, first };
        },
        false,
      ),
    );
    const streamAttempt = lastAttempt;
    answered();
    const reported = value.first.done === true ? undefined : reportedModel(value.first.value.chunk);
    return observeStream(streamWithClientModel({ kind: "stream", ...value, headers: headersFor(reported) }, clientModel), {
      end: (outcome) => {
        streamAttempt?.end(outcome.kind === "error" ? outcome.error : undefined);
        if (outcome.kind === "done") lease.succeed();
        else if (outcome.kind === "error" && !(outcome.error instanceof ClientAbortedError)) lease.fail(outcome.error);
        else lease.abandon();
      },
    });
  };
}

function withHeaders(headers: Readonly<Record<string, string>> | undefined): { headers?: Readonly<Record<string, string>> } {
  return headers === undefined ? {} : { headers };
}
