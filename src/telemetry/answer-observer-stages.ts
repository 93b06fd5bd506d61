import type { JsonObject } from "../protocol/openai-responses.js";
import type { Pricing } from "../accounting/pricing.js";
import { mapStreamParts, type AnswerStage } from "../pipeline/answer.js";
import { boundedJson } from "./bounded-json.js";
import { capBytes, capText } from "./cap-text.js";
import { requestCost } from "./request-cost.js";
import { telemetryOf } from "./request-telemetry.js";

export interface AnswerObserverOptions {
  readonly pricing: ReadonlyMap<string, Pricing>;
  /** Capture bodies for the request log, capped at `maxBodyBytes`; off = nothing is serialised. */
  readonly bodies: boolean;
  readonly maxBodyBytes: number;
}

/**
 * The outermost stage: sees the answer as the client will get it. Notes the finish reason, captures the answer
 * body when bodies are logged, and adds `x-gantry-cost-usd` to JSON answers (a stream's headers leave before its
 * usage is known, so streams carry no cost header; their cost is in the request log and metrics).
 */
export function createAnswerObserverStage(options: AnswerObserverOptions): AnswerStage {
  return {
    name: "answer_observer",
    run: async (context, request, next) => {
      const answer = await next(request);
      const { facts } = context;
      const telemetry = telemetryOf(context);
      if (answer.kind === "json") {
        const reason = finishReasonOf(answer.result.body);
        if (reason !== undefined) facts.finishReason = reason;
        if (options.bodies && telemetry !== undefined) {
          const raw = answer.result.raw;
          telemetry.responseBody = raw === undefined ? boundedJson(answer.result.body, options.maxBodyBytes) : capText(raw, options.maxBodyBytes);
        }
        const model = answer.headers["x-gantry-model"] ?? request.body.model;
        const cost = requestCost(options.pricing, model, answer.result.usage, facts.cache);
        return { ...answer, headers: { ...answer.headers, "x-gantry-cost-usd": formatCost(cost) } };
      }
      let text = "";
      return mapStreamParts(answer, (part) => {
        const choice = firstChoice(part.chunk);
        if (choice === undefined) return part;
        const reason = choice["finish_reason"];
        if (typeof reason === "string") facts.finishReason = reason;
        if (options.bodies && telemetry !== undefined && text.length < options.maxBodyBytes) {
          const delta = choice["delta"];
          const piece = typeof choice["text"] === "string" ? choice["text"] : isObject(delta) && typeof delta["content"] === "string" ? delta["content"] : "";
          if (piece !== "") {
            text += piece;
            telemetry.responseBody = capText(text, options.maxBodyBytes);
          }
        }
        return part;
      });
    },
  };
}

/**
 * The innermost stage: records the body as the pipeline forwards it (after any redaction stage). A body no stage
 * rewrote is logged from the bytes the client sent (a prefix, decoded); only a rewritten one (PII redaction, a key's
 * `max_tokens` cap) is serialised, and then only as far as the cap.
 */
export function createForwardedBodyStage(maxBodyBytes: number): AnswerStage {
  return {
    name: "forwarded_body",
    run: (context, request, next) => {
      const telemetry = telemetryOf(context);
      if (telemetry !== undefined) {
        const received = request.clientBody;
        telemetry.requestBody = received !== undefined && received.body === request.body ? capBytes(received.bytes, maxBodyBytes) : boundedJson(request.body, maxBodyBytes);
      }
      return next(request);
    },
  };
}

/** Dollars with enough digits for a single cheap request, without float noise. */
export function formatCost(cost: number): string {
  return cost === 0 ? "0" : Number(cost.toPrecision(6)).toString();
}

function finishReasonOf(body: JsonObject): string | undefined {
  const reason = firstChoice(body)?.["finish_reason"];
  return typeof reason === "string" ? reason : undefined;
}

function firstChoice(body: JsonObject): Record<string, unknown> | undefined {
  const choices = body["choices"];
  if (!Array.isArray(choices)) return undefined;
  const first: unknown = choices[0];
  return isObject(first) ? first : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
