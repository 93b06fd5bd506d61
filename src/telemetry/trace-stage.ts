import { performance } from "node:perf_hooks";
import { SpanStatusCode } from "@opentelemetry/api";
import type { AnswerStage } from "../pipeline/answer.js";
import { errorType, telemetryOf } from "./request-telemetry.js";
import type { Tracing } from "./tracing.js";

/**
 * Wraps a stage in a span named for it (`gantry.stage.<name>`) covering the stage's own work: from entry until it
 * hands on to `next` (or answers).
 */
export function traceStage(tracing: Tracing, stage: AnswerStage): AnswerStage {
  const spanName = `gantry.stage.${stage.name}`;
  return {
    name: stage.name,
    run: async (context, request, next) => {
      const telemetry = telemetryOf(context);
      if (telemetry === undefined) return stage.run(context, request, next);
      telemetry.stagesEnteredAt ??= performance.now();
      const parent = telemetry.span;
      if (parent === undefined) return stage.run(context, request, next);
      const span = tracing.startChild(parent, spanName);
      // The span ends at the stage's hand-off to `next` (its own work), but only once the stage returns: some stages
      // (the cache on a bypass) say what they did after `next` answered.
      let handedOnAt: number | undefined;
      const end = (error?: unknown): void => {
        if (stage.name === "cache" && context.facts.cache !== undefined) span.setAttribute("gantry.cache.result", context.facts.cache);
        if (error !== undefined && handedOnAt === undefined) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          span.setAttribute("error.type", errorType(error));
        }
        span.end(handedOnAt);
      };
      try {
        const answer = await stage.run(context, request, (forwarded) => {
          handedOnAt ??= performance.now();
          return next(forwarded);
        });
        end();
        return answer;
      } catch (error) {
        end(error);
        throw error;
      }
    },
  };
}
