import { timingSafeEqual, createHash } from "node:crypto";
import type { RequestContext } from "../pipeline/request-context.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Authenticate } from "./authenticate.js";

/** Checks that a request may use the admin API; throws the right 401/403 envelope when not. */
export type AdminGuard = (context: RequestContext) => void | Promise<void>;

/**
 * The admin API admits the configured admin key (`Authorization: Bearer <admin key>`, compared in constant time over
 * hashes of equal length), or a virtual key created with `admin: true`, which then becomes the request's principal
 * so the audit log names it. With no admin key configured the admin API is open, which only a loopback bind allows.
 */
export function createAdminGuard(adminKey: string | undefined, authenticate?: Authenticate): AdminGuard {
  if (adminKey === undefined) return () => undefined;
  const expected = createHash("sha256").update(adminKey).digest();
  return async (context) => {
    const header = context.request.headers["authorization"];
    const token = typeof header === "string" && /^bearer /i.test(header) ? header.slice("bearer ".length).trim() : undefined;
    if (token === undefined || token === "") throw new GatewayError("authentication_required", { message: "The admin API needs the admin key (or an admin virtual key) as a Bearer token." });
    if (timingSafeEqual(createHash("sha256").update(token).digest(), expected)) return;
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
