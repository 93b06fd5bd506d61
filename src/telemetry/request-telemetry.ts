import { performance } from "node:perf_hooks";
import { SpanKind, SpanStatusCode, type Span } from "@opentelemetry/api";
import type { AttemptObserver } from "../pipeline/attempt-observer.js";
import type { RequestContext, RequestFacts } from "../pipeline/request-context.js";
import { formatTraceparent } from "./traceparent.js";
import type { Tracing } from "./tracing.js";

/** What the observer keeps per request: the trace, upstream timing and the bodies for the request log. */
export interface RequestTelemetry extends AttemptObserver {
  /** The request's server span when tracing is on (and the request sampled or not: spans are cheap no-ops then). */
  readonly span: Span | undefined;
  /** The body the pipeline forwarded upstream (after any redaction), capped; set only when bodies are logged. */
  requestBody: string | undefined;
  /** The answer as the client received it, capped; set only when bodies are logged. */
  responseBody: string | undefined;
  /** performance.now() when the first answer stage was entered: validation ends there. */
  stagesEnteredAt: number | undefined;
}

/** Creates the per-request telemetry; `span` is the request's server span when tracing is on. */
export function createRequestTelemetry(facts: RequestFacts, tracing: Tracing | undefined, span: Span | undefined): RequestTelemetry {
  let attempts = 0;
  return {
    span,
    requestBody: undefined,
    responseBody: undefined,
    stagesEnteredAt: undefined,
    beginAttempt(deployment) {
      const startedAt = performance.now();
      attempts++;
      const child =
        tracing === undefined || span === undefined
          ? undefined
          : tracing.startChild(span, `gantry.upstream ${deployment.id}`, {
              kind: SpanKind.CLIENT,
              attributes: { "gantry.deployment": deployment.id, "gantry.attempt": attempts, "gen_ai.provider.name": deployment.provider.kind, "gen_ai.request.model": deployment.upstreamModel },
            });
      let ended = false;
      return {
        headers: child === undefined ? undefined : { traceparent: formatTraceparent(child.spanContext()) },
        end(error) {
          if (ended) return;
          ended = true;
          facts.upstreamMs = (facts.upstreamMs ?? 0) + (performance.now() - startedAt);
          if (child === undefined) return;
          if (error !== undefined) {
            child.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
            child.setAttribute("error.type", errorType(error));
          }
          child.end();
        },
      };
    },
  };
}

const byRequest = new WeakMap<RequestContext, RequestTelemetry>();

/** Attaches a request's telemetry to it; routing sees only its attempt-observer side (`context.attempts`). */
export function attachRequestTelemetry(context: RequestContext, telemetry: RequestTelemetry): void {
  byRequest.set(context, telemetry);
  context.attempts = telemetry;
}

/** The telemetry attached to a request, if the observer saw it start. */
export function telemetryOf(context: RequestContext): RequestTelemetry | undefined {
  return byRequest.get(context);
}

/** A low-cardinality name for a failure: the gateway error code, else the error's class name. */
export function errorType(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") return error.code;
  return error instanceof Error ? error.name : "error";
}
