import { randomUUID } from "node:crypto";
import { GatewayError } from "../errors/gateway-error.js";
import type { AnswerStage } from "../pipeline/answer.js";
import { requireAccount } from "../pipeline/request-account.js";
import type { Logger } from "../pipeline/logger.js";
import type { LimitsConfig } from "./limits-config-schema.js";
import type { Limiter } from "./limiter.js";
import { limitSubjects } from "./limit-subjects.js";
import { outputReservation } from "./prompt-tokens.js";
import { rateLimitHeaders } from "./rate-limit-headers.js";

export interface LimitsStageDeps {
  limiter: Limiter;
  limits: LimitsConfig;
  logger: Logger;
}

/**
 * Caps prompt tokens, then reserves one request, prompt + max output tokens and one concurrency slot against the
 * key and its team in one atomic step (so a burst cannot overshoot TPM), and settles the reservation from the
 * request's accounting record when the answer ends (cache hits and coalesced followers settle to 0). Refusals are
 * 429 rate_limited with Retry-After and OpenAI's x-ratelimit-* headers.
 */
export function createLimitsStage(deps: LimitsStageDeps): AnswerStage {
  return {
    name: "limits",
    run: async (context, request, next) => {
      const account = requireAccount(context);
      const prompt = account.promptTokens();
      const maxPrompt = Math.min(deps.limits.max_prompt_tokens, context.principal?.policy?.max_prompt_tokens ?? Infinity);
      if (prompt > maxPrompt) throw new GatewayError("prompt_too_long", { message: `The prompt has about ${prompt} tokens; at most ${maxPrompt} are allowed.` });
      const subjects = limitSubjects(context.principal, deps.limits);
      if (subjects.length === 0) return next(request);
      const reserved = prompt + outputReservation(request.operation, request.body, deps.limits.default_output_reservation);
      const lease = randomUUID();
      const admission = await deps.limiter.acquire(lease, subjects, reserved);
      for (const [name, value] of Object.entries(rateLimitHeaders(admission.state))) context.response.setHeader(name, value);
      if (!admission.admitted) {
        const what = admission.kind === "concurrency" ? "concurrent requests" : admission.kind === "tokens" ? "tokens per minute" : "requests per minute";
        const whose = admission.subject.startsWith("team:") ? "team" : "key";
        throw new GatewayError("rate_limited", { message: `Rate limit reached: ${what} of this ${whose}; retry later.`, retryAfterMs: admission.retryAfterMs });
      }
      account.onRecord((record) => {
        const actual = record.charged ? record.promptTokens + record.completionTokens : 0;
        deps.limiter.settle(lease, subjects, actual, reserved).catch((error: unknown) => deps.logger.warn({ err: error, request_id: context.id }, "could not settle a rate-limit reservation"));
      });
      return next(request);
    },
  };
}
