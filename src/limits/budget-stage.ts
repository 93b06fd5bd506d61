import { costOf } from "../accounting/pricing.js";
import type { Pricing } from "../accounting/pricing.js";
import type { LimitsConfig } from "./limits-config-schema.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { AnswerStage } from "../pipeline/answer.js";
import type { Logger } from "../pipeline/logger.js";
import { onAnswerEnd } from "./answer-end.js";
import { budgetSubjects } from "./limit-subjects.js";
import type { SpendStore } from "./spend-store.js";

/**
 * Refuses requests (429 budget_exceeded) once a key's or team's spend this UTC day or month reached its budget,
 * and adds each answer's cost (from the answering model's `pricing`) to the key and team. Requests already in
 * flight when a budget runs out still finish, so spend can pass a budget by their cost.
 */
export function createBudgetStage(deps: {
  spend: SpendStore;
  config: { readonly limits: LimitsConfig; readonly models: readonly { readonly name: string; readonly pricing?: Pricing | undefined }[] };
  logger: Logger;
}): AnswerStage {
  const pricing = new Map(deps.config.models.map((model) => [model.name, model.pricing]));
  return {
    name: "budget",
    run: async (context, request, next) => {
      const subjects = budgetSubjects(context.principal, deps.config.limits);
      if (subjects.length === 0) return next(request);
      for (const subject of subjects) {
        const budget = subject.budget;
        if (budget === undefined) continue;
        const spent = await deps.spend.get(subject.id);
        const whose = subject.id.startsWith("team:") ? "team" : "key";
        if (budget.daily_usd !== undefined && spent.dayUsd >= budget.daily_usd)
          throw new GatewayError("budget_exceeded", { message: `The daily budget of this ${whose} ($${budget.daily_usd}) is used up.` });
        if (budget.monthly_usd !== undefined && spent.monthUsd >= budget.monthly_usd)
          throw new GatewayError("budget_exceeded", { message: `The monthly budget of this ${whose} ($${budget.monthly_usd}) is used up.` });
      }
      const answer = await next(request);
      return onAnswerEnd(answer, (usage) => {
        const cost = costOf(pricing.get(context.facts.answeredBy ?? request.body.model), usage);
        if (cost <= 0) return;
        for (const subject of subjects) deps.spend.add(subject.id, cost).catch((error: unknown) => deps.logger.warn({ err: error, request_id: context.id }, "could not record spend"));
      });
    },
  };
}
