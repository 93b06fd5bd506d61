import { createHash, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Principal } from "../pipeline/principal.js";

/** One dashboard login: who logged in, the CSRF token its writes must carry, and when it ends. */
export interface AdminSession {
  /** Sent back in `x-csrf-token` on every write made with the session cookie. */
  readonly csrfToken: string;
  /** The admin virtual key that logged in; undefined for the admin key (or an open loopback admin API). */
  readonly principal: Principal | undefined;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** The server-side session store behind the dashboard's cookie (in memory, per replica). */
export interface AdminSessions {
  /** Starts a session; `token` goes into the cookie and is never stored (only its hash is). */
  create(principal: Principal | undefined): { readonly token: string; readonly session: AdminSession };
  /** The live session for a cookie token; undefined when unknown, logged out or expired. */
  find(token: string): AdminSession | undefined;
  /** Ends a session (logout); unknown tokens are ignored. */
  delete(token: string): void;
}

export interface AdminSessionsOptions {
  readonly ttlMs: number;
  /** The oldest-used session is dropped beyond this many, so a login flood cannot grow memory. */
  readonly maxSessions: number;
  /** Epoch milliseconds (injectable for tests). */
  readonly now: () => number;
}

/** The cookie that carries the session token. */
export const sessionCookieName = "gantry_session";

/**
 * An LRU-bounded map from the token's SHA-256 to its session: a heap dump yields no usable cookie, and expiry is
 * checked on read against the injected clock (the LRU bound, not a timer, reclaims what nobody reads again).
 */
export function createAdminSessions(options: AdminSessionsOptions): AdminSessions {
  const sessions = new LRUCache<string, AdminSession>({ max: options.maxSessions });
  const keyOf = (token: string): string => createHash("sha256").update(token).digest("base64url");
  return {
    create(principal) {
      const token = randomBytes(32).toString("base64url");
      const createdAt = options.now();
      const session: AdminSession = { csrfToken: randomBytes(32).toString("base64url"), principal, createdAt, expiresAt: createdAt + options.ttlMs };
      sessions.set(keyOf(token), session);
      return { token, session };
    },
    find(token) {
      const key = keyOf(token);
      const session = sessions.get(key);
      if (session === undefined) return undefined;
      if (session.expiresAt > options.now()) return session;
      sessions.delete(key);
      return undefined;
    },
    delete(token) {
      sessions.delete(keyOf(token));
    },
  };
}
