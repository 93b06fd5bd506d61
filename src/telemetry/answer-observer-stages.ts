import type { AnswerStage } from "../pipeline/answer.js";
import { capText } from "./cap-text.js";

/**
 * The outermost stage when bodies are logged: captures a JSON answer's body as the client gets it (a stream's text
 * comes from the request's account, which the stream's one tap filled; see the request observer).
 */
export function createAnswerBodyStage(maxBodyBytes: number): AnswerStage {
  return async (context, request, next) => {
    const answer = await next(request);
    if (answer.kind === "json" && context.telemetry !== undefined) context.telemetry.responseBody = capText(answer.result.raw ?? JSON.stringify(answer.result.body), maxBodyBytes);
    return answer;
  };
}

/** The innermost stage: records the body exactly as the pipeline forwards it (after any redaction stage). */
export function createForwardedBodyStage(maxBodyBytes: number): AnswerStage {
  return (context, request, next) => {
    if (context.telemetry !== undefined) context.telemetry.requestBody = capText(JSON.stringify(request.body), maxBodyBytes);
    return next(request);
  };
}
