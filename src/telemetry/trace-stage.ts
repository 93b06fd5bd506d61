import { performance } from "node:perf_hooks";
import { SpanStatusCode } from "@opentelemetry/api";
import type { AnswerStage } from "../pipeline/answer.js";
import { errorType } from "./request-telemetry.js";
import type { Tracing } from "./tracing.js";

/**
 * Wraps a stage in a span covering the stage's own work: from entry until it hands on to `next` (or answers).
 * Stages are anonymous functions, so the span is named by what the stage did: it set the cache verdict
 * (`gantry.cache`), the principal (`gantry.auth`), answered from the fast path (`gantry.fast_path`); otherwise
 * `gantry.stage.<position>`.
 */
export function traceStage(tracing: Tracing, stage: AnswerStage, index: number): AnswerStage {
  return async (context, request, next) => {
    const telemetry = context.telemetry;
    if (telemetry === undefined) return stage(context, request, next);
    telemetry.stagesEnteredAt ??= performance.now();
    const parent = telemetry.span;
    if (parent === undefined) return stage(context, request, next);
    const span = tracing.startChild(parent, `gantry.stage.${index}`);
    const cacheBefore = context.facts.cache;
    const principalBefore = context.principal;
    const deploymentBefore = context.facts.deployment;
    // The span ends at the stage's hand-off to `next` (its own work), but only once the stage returns: some stages
    // (the cache on a bypass) say what they did after `next` answered.
    let handedOnAt: number | undefined;
    const end = (error?: unknown): void => {
      if (context.facts.cache !== cacheBefore) {
        span.updateName("gantry.cache");
        if (context.facts.cache !== undefined) span.setAttribute("gantry.cache.result", context.facts.cache);
      } else if (context.principal !== principalBefore) span.updateName("gantry.auth");
      else if (context.facts.deployment !== deploymentBefore && context.facts.deployment?.endsWith("/fast-path") === true) span.updateName("gantry.fast_path");
      if (error !== undefined && handedOnAt === undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        span.setAttribute("error.type", errorType(error));
      }
      span.end(handedOnAt);
    };
    try {
      const answer = await stage(context, request, (forwarded) => {
        handedOnAt ??= performance.now();
        return next(forwarded);
      });
      end();
      return answer;
    } catch (error) {
      end(error);
      throw error;
    }
  };
}
