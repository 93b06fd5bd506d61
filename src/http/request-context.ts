import type { IncomingMessage, ServerResponse } from "node:http";
import type { Usage } from "../protocol/openai-responses.js";
import type { Principal } from "../auth/principal.js";

/** What the request log line says about a request, filled in as the pipeline learns it. */
export interface RequestFacts {
  model?: string;
  deployment?: string;
  stream?: boolean;
  ttftMs?: number;
  usage?: Usage;
  errorCode?: string;
  /** Upstream attempts made, retries included. */
  attempts?: number;
  /** The fallback model that answered, when not the requested one. */
  answeredBy?: string;
}

/** One request as every pipeline stage sees it. */
export interface RequestContext {
  readonly id: string;
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
}

export type RouteHandler = (context: RequestContext) => Promise<void> | void;
