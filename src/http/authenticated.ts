import type { RouteHandler } from "./route-table.js";
import type { Authenticate } from "../auth/authenticate.js";

/** Runs authentication (headers only, before any body is read) and records the principal before the handler. */
export function authenticated(authenticate: Authenticate, handler: RouteHandler): RouteHandler {
  return async (context) => {
    const principal = await authenticate(context.request);
    context.principal = principal;
    context.facts.keyId = principal.id;
    if (principal.team !== undefined) context.facts.team = principal.team;
    return handler(context);
  };
}
