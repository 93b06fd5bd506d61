import type { AdminSession, AdminSessions } from "../../auth/admin-sessions.js";
import { readSessionCookie, sessionCookie, type SecureCookieMode } from "../../auth/session-cookie.js";
import type { Principal } from "../../pipeline/principal.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";

export interface AdminSessionRoutesDeps {
  sessions: AdminSessions;
  ttlMs: number;
  secureCookie: SecureCookieMode;
}

const noStore = { "cache-control": "no-store" };

/**
 * The dashboard's login: POST /admin/session (behind the admin guard, so only an admin credential gets here) turns
 * the credential into a session cookie and answers the CSRF token; GET tells a reloaded page its CSRF token;
 * DELETE logs out (a write, so it needs that token too).
 */
export function createAdminSessionRoutes(deps: AdminSessionRoutesDeps): Map<string, MethodHandlers> {
  const maxAgeSeconds = Math.floor(deps.ttlMs / 1000);
  return new Map<string, MethodHandlers>([
    [
      "/admin/session",
      {
        POST: (context) => {
          const { token, session } = deps.sessions.create(context.principal);
          sendJson(context.response, 201, describe(session), { ...noStore, "set-cookie": sessionCookie(context.request, token, maxAgeSeconds, deps.secureCookie) });
        },
        GET: (context) => {
          const cookie = readSessionCookie(context.request);
          const session = cookie === undefined ? undefined : deps.sessions.find(cookie);
          sendJson(context.response, 200, session === undefined ? { object: "session", csrf_token: null, principal: describePrincipal(context.principal) } : describe(session), noStore);
        },
        DELETE: (context) => {
          const cookie = readSessionCookie(context.request);
          if (cookie !== undefined) deps.sessions.delete(cookie);
          sendJson(context.response, 200, { object: "session", deleted: true }, { ...noStore, "set-cookie": sessionCookie(context.request, undefined, 0, deps.secureCookie) });
        },
      },
    ],
  ]);
}

function describe(session: AdminSession): Record<string, unknown> {
  return { object: "session", csrf_token: session.csrfToken, expires_at: new Date(session.expiresAt).toISOString(), principal: describePrincipal(session.principal) };
}

function describePrincipal(principal: Principal | undefined): Record<string, unknown> {
  return principal === undefined ? { kind: "admin_key" } : { kind: "key", id: principal.id, name: principal.name, ...(principal.team === undefined ? {} : { team: principal.team }) };
}
