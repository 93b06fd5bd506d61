import type { RequestContext } from "../pipeline/request-context.js";
import type { RequestRow } from "../store/request-row.js";

/**
 * Told of every finished API request, with the row the request log is built from (the same facts: the one
 * accounting record, the error code, TTFT); the bodies are set only when the request log keeps them. It runs on the
 * request path, so it must only queue work, never wait or throw.
 */
export type RequestEndListener = (context: RequestContext, row: RequestRow) => void;
