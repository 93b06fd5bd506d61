import { timingSafeEqual, createHash } from "node:crypto";
import type { RequestContext } from "../pipeline/request-context.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Authenticate } from "./authenticate.js";

/** Checks that a request may use the admin API; throws the right 401/403 envelope when not. */
export type AdminGuard = (context: RequestContext) => void | Promise<void>;

/** What the admin API accepts; every field absent = nothing, so the admin API refuses everyone. */
export interface AdminGuardOptions {
  adminKey?: string | undefined;
  /** Admits virtual keys created with `admin: true`. */
  authenticate?: Authenticate | undefined;
  /** `admin.open_on_loopback`: no credential needed (config validation allows it on a loopback bind only). */
  open?: boolean;
}

const howToConfigure = "set auth.admin_key (e.g. ${GANTRY_ADMIN_KEY}) and send it as a Bearer token, or set admin: { open_on_loopback: true } on a loopback-only gateway";

/**
 * The admin API admits the configured admin key (`Authorization: Bearer <admin key>`, compared in constant time over
 * hashes of equal length), or a virtual key created with `admin: true`, which then becomes the request's principal
 * so the audit log names it. Without any of them it refuses every request, saying how to configure one.
 */
export function createAdminGuard(options: AdminGuardOptions = {}): AdminGuard {
  if (options.open === true) return () => undefined;
  const { adminKey, authenticate } = options;
  const expected = adminKey === undefined ? undefined : createHash("sha256").update(adminKey).digest();
  return async (context) => {
    if (expected === undefined && authenticate === undefined) throw new GatewayError("permission_denied", { message: `The admin API is closed: no admin credential is configured. To use it, ${howToConfigure}.` });
    const header = context.request.headers["authorization"];
    const token = typeof header === "string" && /^bearer /i.test(header) ? header.slice("bearer ".length).trim() : undefined;
    if (token === undefined || token === "") throw new GatewayError("authentication_required", { message: `The admin API needs the admin key (or an admin virtual key) as a Bearer token. ${expected === undefined ? `No admin key is configured: ${howToConfigure}.` : ""}`.trim() });
    if (expected !== undefined && timingSafeEqual(createHash("sha256").update(token).digest(), expected)) return;
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
