import { randomUUID } from "node:crypto";
import { GatewayError } from "../../errors/gateway-error.js";
import type { JsonObject, Usage } from "../../protocol/openai-responses.js";
import type { ChunkPart, GenerateCall, GenerateOperation, Provider } from "../../pipeline/provider.js";
import { lastUserMessage } from "./last-user-message.js";
import { answerTokens, fitAnswer, unservableParameter, type FittedAnswer } from "./rules-fidelity.js";
import { loadRulesFile } from "./rules-file.js";
import { createRulesMatcher, type RulesMatcher } from "./rules-matcher.js";

/** The rules provider plus a side-effect-free check the fast path uses before calling a model. */
export interface RulesProvider extends Provider {
  /**
   * Whether a rule (not the default) answers this request faithfully: no parameter it would drop, and (unless
   * `serveAny`) an answer that `stop` and `max_tokens` would not cut.
   */
  answers(operation: GenerateOperation, body: JsonObject): boolean;
}

export interface RulesProviderOptions {
  rulesFile: string;
  /** The model name answers carry. */
  modelName: string;
  /** Let the fast path answer even when `stop` or `max_tokens` cut the answer (it is cut either way). */
  serveAny?: boolean;
  /** Injected for tests; defaults to seconds since the epoch. */
  nowSeconds?: () => number;
}

/** A provider that answers from a rules YAML file, streaming word by word like a model. */
export function createRulesProvider(options: RulesProviderOptions): RulesProvider {
  const matcher: RulesMatcher = createRulesMatcher(loadRulesFile(options.rulesFile));
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  /** The answer, cut to `stop` and `max_tokens`; parameters no canned answer can honour are refused with a 400 naming them. */
  function answerFor(call: GenerateCall): RulesReply {
    const unservable = unservableParameter(call.body);
    if (unservable !== undefined) {
      throw new GatewayError("invalid_request", { message: `The rules provider answers with canned text and cannot honour ${unservable}.`, param: unservable });
    }
    const answer = matcher(lastUserMessage(call.operation, call.body));
    if (answer === undefined) throw new GatewayError("no_rule_matched");
    const fitted = fitAnswer(answer.text, call.body);
    const promptTokens = roughTokens(promptText(call));
    const completionTokens = answerTokens(fitted.text).length;
    return { ...fitted, usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } };
  }

  function answers(operation: GenerateOperation, body: JsonObject): boolean {
    if (unservableParameter(body) !== undefined) return false;
    const answer = matcher(lastUserMessage(operation, body), { useDefault: false });
    return answer !== undefined && (options.serveAny === true || fitAnswer(answer.text, body).cutBy === undefined);
  }

  return {
    kind: "rules",
    label: `rules:${options.rulesFile}`,
    answers,
    generate(call) {
      const { text, finishReason, usage } = answerFor(call);
      const base = { id: `rules-${randomUUID()}`, created: nowSeconds(), model: String(call.body["model"] ?? options.modelName) };
      const choice =
        call.operation === "chat"
          ? { index: 0, message: { role: "assistant", content: text }, finish_reason: finishReason, logprobs: null }
          : { index: 0, text, finish_reason: finishReason, logprobs: null };
      const body = { ...base, object: call.operation === "chat" ? "chat.completion" : "text_completion", choices: [choice], usage };
      return Promise.resolve({ body, usage });
    },
    stream(call) {
      return streamAnswer(call, answerFor(call), options.modelName, nowSeconds);
    },
    embed() {
      return Promise.reject(new GatewayError("operation_not_supported", { message: "The rules provider does not serve embeddings." }));
    },
    state: () => ({ state: "ready" }),
    close: () => Promise.resolve(),
  };
}

interface RulesReply extends FittedAnswer {
  readonly usage: Usage;
}

async function* streamAnswer(call: GenerateCall, answer: RulesReply, modelName: string, nowSeconds: () => number): AsyncGenerator<ChunkPart> {
  const chat = call.operation === "chat";
  const base = { id: `rules-${randomUUID()}`, object: chat ? "chat.completion.chunk" : "text_completion", created: nowSeconds(), model: String(call.body["model"] ?? modelName) };
  const choice = (content: string | undefined, finish: string | null): JsonObject =>
    chat ? { index: 0, delta: content === undefined ? {} : { content }, finish_reason: finish, logprobs: null } : { index: 0, text: content ?? "", finish_reason: finish, logprobs: null };
  if (chat) yield { type: "chunk", chunk: { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }] } };
  for (const word of answerTokens(answer.text)) {
    if (call.signal.aborted) return;
    yield { type: "chunk", chunk: { ...base, choices: [choice(word, null)] } };
  }
  yield { type: "chunk", chunk: { ...base, choices: [choice(undefined, answer.finishReason)] } };
  const includeUsage = (call.body["stream_options"] as { include_usage?: unknown } | undefined)?.include_usage === true;
  yield { type: "chunk", chunk: { ...base, choices: [], usage: answer.usage }, ...(includeUsage ? {} : { internalUsage: true }) };
}

function promptText(call: GenerateCall): string {
  return call.operation === "chat" ? JSON.stringify(call.body["messages"] ?? "") : JSON.stringify(call.body["prompt"] ?? "");
}

/** Usage counted by words: rules answers cost nothing, so an estimate is enough and keeps a tokenizer off the request path. */
function roughTokens(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}
