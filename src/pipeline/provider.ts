import type { JsonObject, Usage } from "../protocol/openai-responses.js";

/** Which OpenAI operation a generation call is. */
export type GenerateOperation = "chat" | "completion";

/**
 * One generation call as a provider receives it.
 * `body` is the client's validated request with `model` already rewritten to the upstream's model name.
 */
export interface GenerateCall {
  readonly operation: GenerateOperation;
  readonly body: JsonObject;
  /** Aborts the call: the client went away, a timeout fired, or the gateway is shutting down. */
  readonly signal: AbortSignal;
  readonly requestId: string;
  /** Extra headers for an HTTP upstream (e.g. the attempt's `traceparent`); in-process providers ignore them. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A finished non-streaming generation. */
export interface GenerateResult {
  /** The OpenAI response object (`chat.completion` or `text_completion`). */
  readonly body: JsonObject;
  /** The exact bytes the upstream sent, when it sent JSON: forwarded as-is so the client sees what the upstream said. */
  readonly raw?: string;
  readonly usage?: Usage;
}

/**
 * One event of a stream. Every part is one OpenAI chunk (`chat.completion.chunk` or `text_completion`)
 * that becomes exactly one SSE `data:` event for the client; `raw` is its exact upstream serialisation if any.
 * A stream ends by returning; a failure is thrown from the iterator, before or after the first part.
 */
export interface ChunkPart {
  readonly type: "chunk";
  readonly chunk: JsonObject;
  readonly raw?: string;
  /** Set on a usage-only chunk the provider asked for on its own account; the gateway hides it unless the client asked. */
  readonly internalUsage?: boolean;
}

export type StreamPart = ChunkPart;

/** One embeddings call as a provider receives it (model already rewritten). */
export interface EmbedCall {
  readonly body: JsonObject;
  readonly signal: AbortSignal;
  readonly requestId: string;
  /** Extra headers for an HTTP upstream (e.g. the attempt's `traceparent`); in-process providers ignore them. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface EmbedResult {
  readonly body: JsonObject;
  readonly raw?: string;
  readonly usage?: Usage;
}

/** Where a deployment stands: loading (not yet usable), ready, or failed (with why). */
export type ProviderState = { readonly state: "loading" } | { readonly state: "ready" } | { readonly state: "failed"; readonly reason: string };

/**
 * The provider spec: everything the gateway needs from a model backend.
 * Implementations throw `GatewayError`/`UpstreamError` for failures and honour `signal` promptly.
 */
export interface Provider {
  /** The provider kind, as written in config (`openai-compatible`, `llama-cpp`, `rules`). */
  readonly kind: string;
  /** A label for logs and headers: the deployment without secrets (e.g. its base URL). */
  readonly label: string;
  generate(call: GenerateCall): Promise<GenerateResult>;
  stream(call: GenerateCall): AsyncIterable<StreamPart>;
  embed(call: EmbedCall): Promise<EmbedResult>;
  state(): ProviderState;
  /** Releases sockets, models and timers. */
  close(): Promise<void>;
}
