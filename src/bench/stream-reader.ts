import { createParser } from "eventsource-parser";
import type { BenchErrorType } from "./error-type.js";
import type { RequestOutcome } from "./request-outcome.js";

const maxErrorMessage = 300;

/** Why a 200 stream still failed. */
export interface StreamFailure {
  type: BenchErrorType;
  message: string;
}

/** What a stream has delivered so far. */
export type PartialOutcome = Pick<RequestOutcome, "tokenChunkTimes" | "promptTokens" | "completionTokens" | "text">;

/** Follows an OpenAI-style SSE stream: which chunks carried text, usage, the end, or a failure. */
export function createStreamReader(): {
  feed(text: string, at: number): void;
  readWholeBody(text: string, at: number): void;
  failure(): StreamFailure | undefined;
  ended(): boolean;
  partial(): PartialOutcome;
} {
  const tokenChunkTimes: number[] = [];
  const textParts: string[] = [];
  let promptTokens: number | undefined;
  let completionTokens: number | undefined;
  let failure: StreamFailure | undefined;
  let ended = false;
  let chunkTime = 0;

  const readPayload = (payload: unknown, at: number): void => {
    if (!isRecord(payload)) {
      failure ??= { type: "malformed_response", message: "event is not a JSON object" };
      return;
    }
    if (payload["error"] !== undefined && payload["error"] !== null) {
      const error = payload["error"];
      failure ??= { type: "stream_error", message: isRecord(error) && typeof error["message"] === "string" ? error["message"] : JSON.stringify(error).slice(0, maxErrorMessage) };
      return;
    }
    const usage = payload["usage"];
    if (isRecord(usage)) {
      if (typeof usage["prompt_tokens"] === "number") promptTokens = usage["prompt_tokens"];
      if (typeof usage["completion_tokens"] === "number") completionTokens = usage["completion_tokens"];
    }
    const choices = payload["choices"];
    const choice = Array.isArray(choices) ? (choices[0] as unknown) : undefined;
    if (!isRecord(choice)) return;
    const text = generatedText(choice);
    if (text !== "") {
      tokenChunkTimes.push(at);
      textParts.push(text);
    }
    if (typeof choice["finish_reason"] === "string") ended = true;
  };

  const parser = createParser({
    onEvent: (event) => {
      if (failure !== undefined) return;
      if (event.data === "[DONE]") {
        ended = true;
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(event.data);
      } catch {
        failure = { type: "malformed_response", message: `event is not JSON: ${event.data.slice(0, 80)}` };
        return;
      }
      readPayload(payload, chunkTime);
    },
  });

  return {
    feed: (text, at) => {
      // Every event parsed out of one network chunk arrived at the same instant.
      chunkTime = at;
      parser.feed(text);
    },
    readWholeBody: (text, at) => {
      try {
        readPayload(JSON.parse(text), at);
      } catch {
        failure = { type: "malformed_response", message: `body is not JSON: ${text.slice(0, 80)}` };
      }
    },
    failure: () => failure,
    ended: () => ended,
    partial: () => ({
      tokenChunkTimes,
      ...(promptTokens === undefined ? {} : { promptTokens }),
      ...(completionTokens === undefined ? { text: textParts.join("") } : { completionTokens }),
    }),
  };
}

/** The text a choice carries: chat delta content (or reasoning), or a completions `text`. */
function generatedText(choice: Record<string, unknown>): string {
  const delta = choice["delta"] ?? choice["message"];
  if (isRecord(delta)) {
    let text = "";
    for (const key of ["content", "reasoning_content", "reasoning"]) {
      const value = delta[key];
      if (typeof value === "string") text += value;
    }
    return text;
  }
  return typeof choice["text"] === "string" ? choice["text"] : "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
