import { timingSafeEqual, createHash } from "node:crypto";
import type { RequestContext } from "../pipeline/request-context.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Authenticate } from "./authenticate.js";
import type { AdminSessions } from "./admin-sessions.js";
import { readSessionCookie } from "./session-cookie.js";

/** Checks that a request may use the admin API; throws the right 401/403 envelope when not. */
export type AdminGuard = (context: RequestContext) => void | Promise<void>;

/** What the admin API accepts; every field absent = nothing, so the admin API refuses everyone. */
export interface AdminGuardOptions {
  adminKey?: string | undefined;
  /** Admits virtual keys created with `admin: true`. */
  authenticate?: Authenticate | undefined;
  /** `admin.open_on_loopback`: no credential needed (config validation allows it on a loopback bind only). */
  open?: boolean;
  /** The dashboard's sessions: a session cookie stands in for the credential that logged in (writes need its CSRF token). */
  sessions?: AdminSessions | undefined;
  /** Whether a virtual key is still usable (not revoked or expired): a session made with it ends when the key does. */
  keyActive?: ((id: string) => Promise<boolean>) | undefined;
  /**
   * The dashboard login token a loopback gateway without an admin key prints at startup: as a Bearer token it admits
   * only `POST /admin/session` (the exchange for a session cookie), nothing else under /admin.
   */
  loginToken?: string | undefined;
}

const howToConfigure = "set auth.admin_key (e.g. ${GANTRY_ADMIN_KEY}) and send it as a Bearer token, or set admin: { open_on_loopback: true } on a loopback-only gateway";
const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The admin API admits the configured admin key (`Authorization: Bearer <admin key>`, compared in constant time over
 * hashes of equal length), or a virtual key created with `admin: true`, which then becomes the request's principal
 * so the audit log names it. Without a Bearer token, the dashboard's session cookie admits reads, and writes that
 * carry the session's CSRF token in `x-csrf-token` (SameSite=Strict already stops cross-site sends; the token is the
 * second lock). The dashboard login token, when set, is accepted on the login alone. Without any of them it
 * refuses every request, saying how to configure one.
 */
export function createAdminGuard(options: AdminGuardOptions = {}): AdminGuard {
  if (options.open === true) return () => undefined;
  const { adminKey, authenticate, sessions, keyActive } = options;
  const expected = adminKey === undefined ? undefined : createHash("sha256").update(adminKey).digest();
  const loginToken = options.loginToken === undefined || sessions === undefined ? undefined : createHash("sha256").update(options.loginToken).digest();
  const closed = expected === undefined && authenticate === undefined;
  const closedError = (): GatewayError =>
    new GatewayError("permission_denied", {
      message: `The admin API is closed: no admin credential is configured. To use it, ${howToConfigure}.${loginToken === undefined ? "" : " The dashboard's login URL (with its login token) is in this gateway's startup log."}`,
    });
  return async (context) => {
    if (closed && loginToken === undefined) throw closedError();
    const header = context.request.headers["authorization"];
    const token = typeof header === "string" && /^bearer /i.test(header) ? header.slice("bearer ".length).trim() : undefined;
    if ((token === undefined || token === "") && sessions !== undefined) {
      const cookie = readSessionCookie(context.request);
      if (cookie !== undefined) return admitSession(context, sessions.find(cookie), keyActive);
    }
    if (token === undefined || token === "") {
      if (closed) throw closedError();
      throw new GatewayError("authentication_required", { message: `The admin API needs the admin key (or an admin virtual key) as a Bearer token. ${expected === undefined ? `No admin key is configured: ${howToConfigure}.` : ""}`.trim() });
    }
    const tokenHash = createHash("sha256").update(token).digest();
    if (expected !== undefined && timingSafeEqual(tokenHash, expected)) return;
    if (loginToken !== undefined && timingSafeEqual(tokenHash, loginToken)) {
      if (context.request.method === "POST" && pathOf(context.request.url) === "/admin/session") return;
      throw new GatewayError("permission_denied", { message: "The dashboard login token only opens a session (POST /admin/session); it is not an admin credential." });
    }
    if (closed) throw closedError();
    if (authenticate !== undefined && token.startsWith("gk-")) {
      const principal = await authenticate(context.request);
      if (principal.policy?.admin === true) {
        context.principal = principal;
        return;
      }
    }
    throw new GatewayError("permission_denied", { message: "That key may not use the admin API." });
  };
}

async function admitSession(context: RequestContext, session: ReturnType<AdminSessions["find"]>, keyActive: AdminGuardOptions["keyActive"]): Promise<void> {
  if (session === undefined) throw new GatewayError("session_expired");
  if (!safeMethods.has(context.request.method ?? "GET")) {
    const sent = context.request.headers["x-csrf-token"];
    if (typeof sent !== "string" || !sameToken(sent, session.csrfToken)) throw new GatewayError("csrf_token_invalid");
  }
  if (session.principal !== undefined) {
    if (keyActive !== undefined && !(await keyActive(session.principal.id))) throw new GatewayError("session_expired", { message: "The key this dashboard session logged in with is revoked or expired; log in again." });
    context.principal = session.principal;
  }
}

/** The request's path as sent (any other spelling of /admin/session is simply refused the login token). */
function pathOf(url: string | undefined): string {
  return (url ?? "/").split("?")[0] ?? "/";
}

function sameToken(a: string, b: string): boolean {
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right);
}
