import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { GatewayError } from "../errors/gateway-error.js";

/** Checks that a request may use the admin API; throws the right 401/403 envelope when not. */
export type AdminGuard = (request: IncomingMessage) => void;

/**
 * The admin key check: `Authorization: Bearer <admin key>`, compared in constant time (hashes of equal length).
 * With no admin key configured the admin API is open, which is only allowed on loopback (see the auth config).
 */
export function createAdminGuard(adminKey: string | undefined): AdminGuard {
  if (adminKey === undefined) return () => undefined;
  const expected = createHash("sha256").update(adminKey).digest();
  return (request) => {
    const header = request.headers["authorization"];
    const token = typeof header === "string" && header.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
    if (token === undefined || token === "") throw new GatewayError("authentication_required", { message: "The admin API needs the admin key as a Bearer token." });
    if (!timingSafeEqual(createHash("sha256").update(token).digest(), expected)) throw new GatewayError("permission_denied", { message: "That key may not use the admin API." });
  };
}
