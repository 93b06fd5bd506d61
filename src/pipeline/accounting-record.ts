/** What the answer cache did for a request (docs/caching.md). */
export type CacheOutcome = "hit" | "semantic-hit" | "coalesced" | "miss" | "bypass";

/** How a request's answer ended: whole, failed after it started, or abandoned by the client. */
export type AnswerOutcome = "done" | "error" | "abandoned";

/**
 * The one accounting record of a request, computed once when its answer ends. Budgets, the TPM limiter, metrics,
 * traces, the request log and the `x-gantry-cost-usd` header all read this record, so they cannot disagree.
 */
export interface AccountingRecord {
  /** The client-facing model the request named. */
  readonly requestedModel: string;
  /** The model whose answer the client got (a fallback's name when one answered); undefined when none answered. */
  readonly answeredModel: string | undefined;
  /** The deployment that answered; undefined for cache hits, coalesced followers and failures before an answer. */
  readonly deployment: string | undefined;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens the provider served from its own prompt cache (priced at the cached price). */
  readonly cachedPromptTokens: number;
  /** `reported`: the upstream's usage; `counted`: the gateway's tokenizer (no usage came, e.g. an abandoned stream). */
  readonly tokensFrom: "reported" | "counted";
  /** Whether the tokens are charged to the requester (budgets, TPM); false for cache hits and coalesced followers. */
  readonly charged: boolean;
  /** US dollars charged: the answering model's price for the tokens when charged, else 0. */
  readonly costUsd: number;
  /** Tokens no upstream had to process because the cache or a shared in-flight call answered. */
  readonly savedTokens: number;
  /** What those saved tokens would have cost at the answering model's price. */
  readonly savedUsd: number;
  readonly cache: CacheOutcome | undefined;
  readonly outcome: AnswerOutcome;
  readonly finishReason: string | undefined;
}
