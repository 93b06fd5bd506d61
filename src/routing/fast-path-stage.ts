import type { ModelRouter } from "./model-router.js";
import type { RoutingTable } from "./routing-table.js";
import type { AnswerStage } from "../pipeline/answer.js";
import { answerHeaders } from "./routed-source.js";

/** Answers from the model's rules fast path when a rule matches, without calling any model ("don't default to the LLM"). */
export function createFastPathStage(routing: RoutingTable): AnswerStage {
  return {
    name: "fast_path",
    run: async (context, request, next) => {
      const router: ModelRouter | undefined = routing.get(request.body.model);
      const fastPath = router?.fastPath;
      if (fastPath === undefined || request.operation === "embedding" || !fastPath.answers(request.operation, request.body)) return next(request);
      const deployment = `${request.body.model}/fast-path`;
      context.facts.deployment = deployment;
      context.account?.answeredBy({ model: request.body.model, deployment });
      const headers = answerHeaders({ attempts: 0, model: request.body.model, deployment, fallbackPosition: 0 });
      const call = { operation: request.operation, body: request.body, signal: request.signal ?? context.signal, requestId: context.id };
      if (request.body.stream !== true) return { kind: "json", result: await fastPath.generate(call), headers };
      const parts = fastPath.stream(call)[Symbol.asyncIterator]();
      return { kind: "stream", first: await parts.next(), parts, headers };
    },
  };
}
