import { randomUUID } from "node:crypto";
import type { JsonObject, Usage } from "../../protocol/openai-responses.js";
import type { GenerateOperation } from "../../pipeline/provider.js";

/** The identity every chunk and response of one request shares. */
export interface ResponseIdentity {
  readonly operation: GenerateOperation;
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

/** Mints a response id (`chatcmpl-…` / `cmpl-…`) and timestamp for one request. */
export function createResponseIdentity(operation: GenerateOperation, model: string): ResponseIdentity {
  const suffix = randomUUID().replaceAll("-", "");
  return { operation, id: `${operation === "chat" ? "chatcmpl" : "cmpl"}-${suffix}`, created: Math.floor(Date.now() / 1000), model };
}

/** A streamed chunk with its wire form: `raw` is built from fixed halves so the hot path never re-serialises the frame. */
export interface SerializedChunk {
  readonly chunk: JsonObject;
  readonly raw: string;
}

/** Makes text chunks for one choice; only the text is serialised per token. */
export function createTextChunker(identity: ResponseIdentity, index: number): (text: string) => SerializedChunk {
  const sample = JSON.stringify(textChunk(identity, index, "\u0000"));
  const [head = "", tail = ""] = sample.split('"\\u0000"');
  return (text) => ({ chunk: textChunk(identity, index, text), raw: `${head}${JSON.stringify(text)}${tail}` });
}

/** A streamed chunk carrying text (or the assistant role) for one choice. */
export function textChunk(identity: ResponseIdentity, index: number, text: string, role = false): JsonObject {
  if (identity.operation === "chat") {
    const delta = role ? { role: "assistant", content: text } : { content: text };
    return { id: identity.id, object: "chat.completion.chunk", created: identity.created, model: identity.model, choices: [{ index, delta, logprobs: null, finish_reason: null }] };
  }
  return { id: identity.id, object: "text_completion", created: identity.created, model: identity.model, choices: [{ index, text, logprobs: null, finish_reason: null }] };
}

/** The chunk that closes one choice with its finish reason. */
export function finishChunk(identity: ResponseIdentity, index: number, finishReason: string): JsonObject {
  const choice = identity.operation === "chat" ? { index, delta: {}, logprobs: null, finish_reason: finishReason } : { index, text: "", logprobs: null, finish_reason: finishReason };
  return { id: identity.id, object: identity.operation === "chat" ? "chat.completion.chunk" : "text_completion", created: identity.created, model: identity.model, choices: [choice] };
}

/** OpenAI's final usage-only chunk (`choices: []`). */
export function usageChunk(identity: ResponseIdentity, usage: Usage): JsonObject {
  return { id: identity.id, object: identity.operation === "chat" ? "chat.completion.chunk" : "text_completion", created: identity.created, model: identity.model, choices: [], usage };
}

/** One finished choice of a non-streaming response. */
export interface FinishedChoice {
  readonly text: string;
  readonly finishReason: string;
}

/** The non-streaming response object (`chat.completion` or `text_completion`). */
export function completeResponse(identity: ResponseIdentity, choices: readonly FinishedChoice[], usage: Usage): JsonObject {
  const shaped =
    identity.operation === "chat"
      ? choices.map((choice, index) => ({ index, message: { role: "assistant", content: choice.text, refusal: null }, logprobs: null, finish_reason: choice.finishReason }))
      : choices.map((choice, index) => ({ index, text: choice.text, logprobs: null, finish_reason: choice.finishReason }));
  return { id: identity.id, object: identity.operation === "chat" ? "chat.completion" : "text_completion", created: identity.created, model: identity.model, choices: shaped, usage };
}
