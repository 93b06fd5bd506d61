import { performance } from "node:perf_hooks";
import { ClientAbortedError } from "../errors/gateway-error.js";
import { createAnswerMeter, finishReasonOf } from "../pipeline/answer-meter.js";
import type { AnswerStage } from "../pipeline/answer.js";
import { observeStream, type StreamOutcome } from "../pipeline/stream-tap.js";
import type { Accounting } from "./accounting.js";
import { formatCost } from "./format-cost.js";

/**
 * The first answer stage: opens the request's account (so every later stage and the source can use it), and closes
 * it once when the answer ends: at once for JSON (which then carries `x-gantry-cost-usd`), when a stream ends,
 * fails or is abandoned (through the stream's one tap), or when the pipeline fails. `discount` prices what it records
 * below the price book (the batch pipeline's accounting stage).
 */
export function createAccountingStage(accounting: Accounting, options: { readonly discount?: number } = {}): AnswerStage {
  return {
    name: "accounting",
    run: async (context, request, next) => {
      const account = accounting.open(request, () => context.facts.cache, options.discount);
      context.account = account;
      // A client that left ends its answer as abandoned; an upstream or gateway failure ends it as an error.
      const ended = (error: unknown): "abandoned" | "error" => (error instanceof ClientAbortedError || context.signal.reason instanceof ClientAbortedError ? "abandoned" : "error");
      let answer;
      try {
        answer = await next(request);
      } catch (error) {
        account.close({ usage: undefined, text: "", finishReason: undefined, outcome: ended(error), headers: undefined });
        throw error;
      }
      if (answer.kind === "json") {
        const record = account.close({ usage: answer.result.usage, text: "", finishReason: finishReasonOf(answer.result.body), outcome: "done", headers: answer.headers });
        if (record.finishReason !== undefined) context.facts.finishReason = record.finishReason;
        return { ...answer, headers: { ...answer.headers, "x-gantry-cost-usd": formatCost(record.costUsd) } };
      }
      const meter = createAnswerMeter(() => {
        context.facts.ttftMs ??= performance.now() - context.startedAt;
      });
      const headers = answer.headers;
      return observeStream(answer, {
        part: meter.part,
        end: (outcome: StreamOutcome) => {
          const { usage, text, finishReason } = meter.reading();
          if (finishReason !== undefined) context.facts.finishReason = finishReason;
          account.close({ usage, text, finishReason, outcome: outcome.kind === "error" ? ended(outcome.error) : outcome.kind, headers });
        },
      });
    },
  };
}
