import type { AnswerStage } from "../pipeline/answer.js";
import { boundedJson } from "./bounded-json.js";
import { capBytes, capText } from "./cap-text.js";
import { telemetryOf } from "./request-telemetry.js";

/**
 * The outermost stage when bodies are logged: captures a JSON answer's body as the client gets it (a stream's text
 * comes from the request's account, which the stream's one tap filled; see the request observer).
 */
export function createAnswerBodyStage(maxBodyBytes: number): AnswerStage {
  return {
    name: "answer_body",
    run: async (context, request, next) => {
      const answer = await next(request);
      const telemetry = telemetryOf(context);
      if (answer.kind === "json" && telemetry !== undefined) {
        const raw = answer.result.raw;
        telemetry.responseBody = raw === undefined ? boundedJson(answer.result.body, maxBodyBytes) : capText(raw, maxBodyBytes);
      }
      return answer;
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
