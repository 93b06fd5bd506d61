import type { IncomingMessage } from "node:http";
import { sessionCookieName } from "./admin-sessions.js";

/** The session token from the request's `Cookie` header; undefined when absent. */
export function readSessionCookie(request: IncomingMessage): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at !== -1 && part.slice(0, at).trim() === sessionCookieName) {
      const value = part.slice(at + 1).trim();
      return /^[\w-]{1,128}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** How `Secure` is decided: `auto` sets it on TLS connections and when a proxy says the client used https. */
export type SecureCookieMode = "auto" | "always" | "never";

/**
 * The `Set-Cookie` value for a session token (or its removal when `token` is undefined). `auto` may trust
 * `x-forwarded-proto` without a proxy allow-list because a spoofed header can only make the cookie stricter.
 */
export function sessionCookie(request: IncomingMessage, token: string | undefined, maxAgeSeconds: number, mode: SecureCookieMode): string {
  const tls = (request.socket as { encrypted?: boolean }).encrypted === true || request.headers["x-forwarded-proto"] === "https";
  const secure = mode === "always" || (mode === "auto" && tls);
  return `${sessionCookieName}=${token ?? ""}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${token === undefined ? 0 : maxAgeSeconds}${secure ? "; Secure" : ""}`;
}
