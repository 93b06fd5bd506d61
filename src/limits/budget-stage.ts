import type { PriceBook } from "../accounting/price-book.js";
import type { LimitsConfig } from "./limits-config-schema.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { AnswerStage } from "../pipeline/answer.js";
import { requireAccount } from "../pipeline/request-account.js";
import type { Logger } from "../pipeline/logger.js";
import { budgetSubjects } from "./limit-subjects.js";
import { outputReservation } from "./prompt-tokens.js";
import type { SpendStore } from "./spend-store.js";

export interface BudgetStageDeps {
  spend: SpendStore;
  config: { readonly limits: LimitsConfig };
  prices: PriceBook;
  logger: Logger;
  /** Epoch milliseconds (which UTC day and month a reservation belongs to); injectable for tests. */
  now?: () => number;
}

/**
 * Reserves a request's worst-case cost (prompt tokens + max_tokens, or `limits.default_output_reservation`, at the
 * highest price among the model and its fallbacks) against its key's and team's daily and monthly budgets in one
 * atomic step, refusing with 429 budget_exceeded when it does not fit; when the answer ends, the reservation is
 * settled to the cost in the request's accounting record. So concurrent requests cannot overshoot a budget.
 */
export function createBudgetStage(deps: BudgetStageDeps): AnswerStage {
  const now = deps.now ?? Date.now;
  return {
    name: "budget",
    run: async (context, request, next) => {
      const subjects = budgetSubjects(context.principal, deps.config.limits);
      if (subjects.length === 0) return next(request);
      const account = requireAccount(context);
      const output = outputReservation(request.operation, request.body, deps.config.limits.default_output_reservation);
      const reserved = deps.prices.worstCaseUsd(request.body.model, account.promptTokens(), output);
      // Free models (no pricing anywhere in the chain) can cost nothing: no round trip to the spend store.
      if (reserved === 0) return next(request);
      const at = now();
      const admission = await deps.spend.reserve(subjects, reserved, at);
      if (!admission.admitted) {
        const whose = admission.subject.startsWith("team:") ? "team" : "key";
        const period = admission.period === "day" ? "daily" : "monthly";
        throw new GatewayError("budget_exceeded", { message: `The ${period} budget of this ${whose} ($${admission.limitUsd}) cannot cover this request (up to $${Number(reserved.toPrecision(6))}).` });
      }
      const ids = subjects.map((subject) => subject.id);
      account.onRecord((record) => {
        deps.spend.settle(ids, reserved, record.costUsd, at).catch((error: unknown) => deps.logger.warn({ err: error, request_id: context.id }, "could not settle spend"));
      });
      return next(request);
    },
  };
}
