import { createSecretKey } from "node:crypto";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import { GatewayError } from "../errors/gateway-error.js";
import { endpointNames, type EndpointName } from "./key-policy.js";
import type { JwtConfig } from "./auth-config-schema.js";
import type { Principal } from "../pipeline/principal.js";

/** Verifies a bearer JWT and maps its claims to a principal. */
export type JwtVerifier = (token: string) => Promise<Principal>;

/**
 * HS256 with a shared secret, or any JWKS algorithm from `jwks_url` (keys cached and refreshed by jose).
 * Scopes (space-separated string or array): `model:<glob>` allow models, `chat`/`completions`/`embeddings` allow
 * endpoints; a token without any of one kind is not restricted in that dimension.
 */
export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  const options = { ...(config.issuer === undefined ? {} : { issuer: config.issuer }), ...(config.audience === undefined ? {} : { audience: config.audience }) };
  const verify =
    config.secret !== undefined
      ? ((key) => (token: string) => jwtVerify(token, key, { ...options, algorithms: ["HS256"] }))(createSecretKey(Buffer.from(config.secret)))
      : ((jwks) => (token: string) => jwtVerify(token, jwks, options))(createRemoteJWKSet(new URL(config.jwks_url ?? ""), { timeoutDuration: 2000 }));
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new GatewayError("key_expired", { message: "The token has expired." });
      throw new GatewayError("invalid_api_key", { message: "The token is not valid." });
    }
    const team = payload[config.team_claim];
    const scopes = readScopes(payload[config.scopes_claim]);
    const models = scopes.filter((scope) => scope.startsWith("model:")).map((scope) => scope.slice("model:".length));
    const endpoints = scopes.filter((scope): scope is EndpointName => (endpointNames as readonly string[]).includes(scope));
    const subject = payload.sub ?? "jwt";
    return {
      id: `jwt:${subject}`,
      name: subject,
      kind: "jwt",
      ...(typeof team === "string" && team !== "" ? { team } : {}),
      policy: { ...(models.length > 0 ? { models } : {}), ...(endpoints.length > 0 ? { endpoints } : {}) },
    };
  };
}

function readScopes(claim: unknown): string[] {
  if (typeof claim === "string") return claim.split(/\s+/).filter((scope) => scope !== "");
  if (Array.isArray(claim)) return claim.filter((scope): scope is string => typeof scope === "string");
  return [];
}
