import { GatewayError } from "../errors/gateway-error.js";
import type { AnswerStage, PipelineOperation } from "../pipeline/answer.js";
import { matchesGlob } from "./glob.js";
import type { EndpointName } from "./key-policy.js";

const endpointOf: Record<PipelineOperation, EndpointName> = { chat: "chat", completion: "completions", embedding: "embeddings" };

/**
 * Enforces the principal's scopes: allowed endpoints and models (403 permission_denied naming what was denied) and
 * the max_tokens cap (a larger request is a 400; a request without max_tokens gets the cap).
 */
export function createAuthorizeStage(): AnswerStage {
  return {
    name: "authorize",
    run: async (context, request, next) => {
      const policy = context.principal?.policy;
      if (policy === undefined) return next(request);
      const endpoint = endpointOf[request.operation];
      if (policy.endpoints !== undefined && !policy.endpoints.includes(endpoint)) {
        throw new GatewayError("permission_denied", { message: `This key may not use the ${endpoint} endpoint.` });
      }
      const model = request.body.model;
      if (policy.models !== undefined && !policy.models.some((pattern) => matchesGlob(pattern, model))) {
        throw new GatewayError("permission_denied", { message: `This key may not use the model "${model}".`, param: "model" });
      }
      const cap = policy.max_tokens;
      if (cap === undefined || request.operation === "embedding") return next(request);
      for (const field of ["max_tokens", "max_completion_tokens"] as const) {
        const asked = request.body[field];
        if (typeof asked === "number" && asked > cap) throw new GatewayError("invalid_request", { message: `${field} is ${asked}; this key allows at most ${cap}.`, param: field });
      }
      const asked = request.body["max_tokens"] ?? request.body["max_completion_tokens"];
      return next(typeof asked === "number" ? request : { ...request, body: { ...request.body, max_tokens: cap } });
    },
  };
}
