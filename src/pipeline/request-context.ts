import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "./principal.js";
import type { AttemptObserver } from "./attempt-observer.js";
import type { CacheOutcome } from "./accounting-record.js";
import type { RequestAccount } from "./request-account.js";

/** What the request log line says about a request, filled in as the pipeline learns it. */
export interface RequestFacts {
  model?: string;
  /** The registry version of `model` that served the request (docs/registry.md); absent before the registry resolves one. */
  modelVersion?: string;
  deployment?: string;
  stream?: boolean;
  ttftMs?: number;
  errorCode?: string;
  /** Upstream attempts made, retries included. */
  attempts?: number;
  /** The virtual key (or JWT subject) that made the request; never the secret. */
  keyId?: string;
  team?: string;
  /** PII entity types the guardrail found in the request (never the values). */
  piiEntities?: string[];
  /** Milliseconds spent waiting on upstream attempts (all of them, streams until their end): overhead = total − this. */
  upstreamMs?: number;
  /** The answer's finish reason (`stop`, `length`, `tool_calls`…), when the answer said. */
  finishReason?: string;
  /** What the answer cache did (docs/caching.md); absent when the model has no cache. */
  cache?: CacheOutcome;
}

/** One request as every pipeline stage sees it. */
export interface RequestContext {
  /** The server's own id for this request (a UUID): the request log's row id. */
  readonly id: string;
  /** The client's `x-request-id` when it sent a valid one: echoed, logged beside `id`, forwarded upstream. */
  readonly clientRequestId?: string;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** Aborted when the client disconnects, or with a GatewayError when the gateway shuts down. */
  readonly signal: AbortSignal;
  /** performance.now() at arrival. */
  readonly startedAt: number;
  readonly facts: RequestFacts;
  /** `:name` segments of the matched route's path, decoded. */
  params: Readonly<Record<string, string>>;
  /** Set by authentication; undefined when auth is off. */
  principal?: Principal;
  /** Told of each upstream attempt (timing, traces); set by the request observer, absent when none is wired. */
  attempts?: AttemptObserver;
  /** Usage and cost (src/accounting/): opened by the accounting stage for generation requests. */
  account?: RequestAccount;
}
