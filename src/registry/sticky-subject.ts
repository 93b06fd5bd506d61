import type { PipelineRequest } from "../pipeline/answer.js";
import type { RequestContext } from "../pipeline/request-context.js";

/**
 * Who a request belongs to, for sticky version assignment: the body's `user`, else the key (or JWT subject), else
 * the session header; else the request itself, which sticks to nothing.
 */
export function stickySubject(context: RequestContext, request: PipelineRequest, sessionHeader: string): string {
  const user = request.body["user"];
  if (typeof user === "string" && user !== "") return `user:${user}`;
  if (context.principal !== undefined) return `key:${context.principal.id}`;
  const session = context.request.headers[sessionHeader];
  if (typeof session === "string" && session !== "") return `session:${session}`;
  return `request:${context.id}`;
}
