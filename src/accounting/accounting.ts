import type { JsonObject, Usage } from "../protocol/openai-responses.js";
import type { AccountingRecord, AnswerOutcome, CacheOutcome } from "../pipeline/accounting-record.js";
import type { PipelineOperation } from "../pipeline/answer.js";
import type { Answerer, RequestAccount } from "../pipeline/request-account.js";
import { costOf } from "./pricing.js";
import type { PriceBook } from "./price-book.js";

/** What the answer left for accounting when it ended. */
export interface AnswerEnd {
  /** The upstream's usage, when it reported one. */
  readonly usage: Usage | undefined;
  /** The answer text delivered to the client (streams), counted with the tokenizer when no usage came. */
  readonly text: string;
  readonly finishReason: string | undefined;
  readonly outcome: AnswerOutcome;
  /** The answer's `x-gantry-*` headers: who answered a cached or shared answer. */
  readonly headers: Readonly<Record<string, string>> | undefined;
}

/** A request's account as the accounting stage holds it: the port plus the one way to end it. */
export interface OpenAccount extends RequestAccount {
  /** Ends the account: builds the record once and hands it to every listener. Later calls return the same record. */
  close(end: AnswerEnd): AccountingRecord;
}

/** The accounting service: opens one account per request and computes its one record. */
export interface Accounting {
  readonly prices: PriceBook;
  /** `discount` is the share taken off the price (batch lines: `batch.discount`); budgets and the log see the discounted cost. */
  open(request: { readonly operation: PipelineOperation; readonly body: JsonObject & { readonly model: string } }, cache: () => CacheOutcome | undefined, discount?: number): OpenAccount;
}

/** The gateway's one tokenizer (src/limits/prompt-tokens.ts), as the accounting service uses it. */
export interface TokenCounting {
  /** Tokens of one text (an answer's delivered text). */
  text(text: string): number;
  /** A request's prompt tokens, chat framing included. */
  prompt(operation: PipelineOperation, body: JsonObject): number;
}

/** Creates the service from the price book and the gateway's one tokenizer. */
export function createAccounting(prices: PriceBook, tokens: TokenCounting): Accounting {
  return {
    prices,
    open(request, cache, discount = 0) {
      let answerer: Answerer | undefined;
      let prompt: number | undefined;
      let record: AccountingRecord | undefined;
      let deliveredText = "";
      let listeners: Array<(record: AccountingRecord) => void> = [];
      const countPrompt = (): number => (prompt ??= tokens.prompt(request.operation, request.body));
      return {
        answeredBy: (who) => {
          answerer = who;
        },
        promptTokens: countPrompt,
        onRecord: (listener) => {
          if (record === undefined) listeners.push(listener);
          else listener(record);
        },
        get record() {
          return record;
        },
        get deliveredText() {
          return deliveredText;
        },
        close(end) {
          if (record !== undefined) return record;
          deliveredText = end.text;
          const made = buildRecord(request.body.model, answerer, cache(), end, countPrompt, tokens, prices, 1 - discount);
          record = made;
          const waiting = listeners;
          listeners = [];
          for (const listener of waiting) listener(made);
          return made;
        },
      };
    },
  };
}

const servedWithoutUpstream = new Set<CacheOutcome | undefined>(["hit", "semantic-hit", "coalesced"]);

function buildRecord(requestedModel: string, answerer: Answerer | undefined, cache: CacheOutcome | undefined, end: AnswerEnd, countPrompt: () => number, tokens: TokenCounting, prices: PriceBook, priceFactor: number): AccountingRecord {
  const shared = servedWithoutUpstream.has(cache);
  // A cached or shared answer was produced for someone else: its headers say which model made it.
  const who = answerer ?? (shared ? { model: end.headers?.["x-gantry-model"] ?? requestedModel, deployment: undefined } : undefined);
  const usage = end.usage;
  const promptTokens = usage?.prompt_tokens ?? countPrompt();
  const completionTokens = usage?.completion_tokens ?? (end.text === "" ? 0 : tokens.text(end.text));
  const cachedPromptTokens = Math.min(usage?.prompt_tokens_details?.cached_tokens ?? 0, promptTokens);
  const pricing = who === undefined ? undefined : prices.pricing(who.model);
  const fullUsd = priceFactor * costOf(pricing, { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens });
  return {
    requestedModel,
    answeredModel: who?.model,
    deployment: shared ? undefined : who?.deployment,
    promptTokens,
    completionTokens,
    cachedPromptTokens,
    tokensFrom: usage === undefined ? "counted" : "reported",
    charged: !shared,
    costUsd: shared ? 0 : priceFactor * costOf(pricing, { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens, prompt_tokens_details: { cached_tokens: cachedPromptTokens } }),
    savedTokens: shared ? promptTokens + completionTokens : 0,
    // A replayed answer marks every prompt token as cached; what was saved is what a fresh call would have cost.
    savedUsd: shared ? fullUsd : 0,
    cache,
    outcome: end.outcome,
    finishReason: end.finishReason,
  };
}
