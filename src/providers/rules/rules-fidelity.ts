import type { JsonObject } from "../../protocol/openai-responses.js";

/**
 * The first request parameter a canned answer cannot honour, or undefined. Tools, structured output, logprobs,
 * several choices and echo need a model; a rule would silently drop them.
 */
export function unservableParameter(body: JsonObject): string | undefined {
  const tools = body["tools"];
  if (Array.isArray(tools) && tools.length > 0) return "tools";
  const toolChoice = body["tool_choice"];
  if (toolChoice !== undefined && toolChoice !== null && toolChoice !== "none" && toolChoice !== "auto") return "tool_choice";
  const format = body["response_format"];
  if (format !== null && typeof format === "object" && (format as Record<string, unknown>)["type"] !== "text") return "response_format";
  const logprobs = body["logprobs"];
  if (logprobs === true || typeof logprobs === "number") return "logprobs";
  if (typeof body["n"] === "number" && body["n"] > 1) return "n";
  if (typeof body["best_of"] === "number" && body["best_of"] > 1) return "best_of";
  if (body["echo"] === true) return "echo";
  return undefined;
}

/** An answer cut to the request's `stop` and `max_tokens`, with the finish reason a model would report. */
export interface FittedAnswer {
  readonly text: string;
  readonly finishReason: "stop" | "length";
  /** The parameter that shortened the answer, if any. */
  readonly cutBy: "stop" | "max_tokens" | undefined;
}

/** Cuts an answer before the first stop string, then to `max_tokens` tokens (counted as the rules provider counts them: words). */
export function fitAnswer(text: string, body: JsonObject): FittedAnswer {
  let fitted = text;
  let cutBy: FittedAnswer["cutBy"];
  for (const stop of stopStrings(body)) {
    const at = fitted.indexOf(stop);
    if (at >= 0) {
      fitted = fitted.slice(0, at);
      cutBy = "stop";
    }
  }
  const limit = maxTokens(body);
  const tokens = answerTokens(fitted);
  if (limit !== undefined && tokens.length > limit) return { text: tokens.slice(0, limit).join(""), finishReason: "length", cutBy: "max_tokens" };
  return { text: fitted, finishReason: "stop", cutBy };
}

/** The answer split into tokens, each word with the whitespace before it (and the last with what follows). */
export function answerTokens(text: string): string[] {
  return text.match(/\s*\S+\s*$|\s*\S+/g) ?? [];
}

function stopStrings(body: JsonObject): string[] {
  const stop = body["stop"];
  if (typeof stop === "string") return stop === "" ? [] : [stop];
  return Array.isArray(stop) ? stop.filter((item): item is string => typeof item === "string" && item !== "") : [];
}

function maxTokens(body: JsonObject): number | undefined {
  const limits = [body["max_tokens"], body["max_completion_tokens"]].filter((value): value is number => typeof value === "number");
  return limits.length === 0 ? undefined : Math.min(...limits);
}
