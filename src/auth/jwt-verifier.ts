import { createSecretKey } from "node:crypto";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";
import { GatewayError } from "../errors/gateway-error.js";
import { endpointNames, keyScopes, type EndpointName, type KeyScope } from "./key-policy.js";
import type { JwtConfig } from "./auth-config-schema.js";
import type { Principal } from "../pipeline/principal.js";

/** Verifies a bearer JWT and maps its claims to a principal. */
export type JwtVerifier = (token: string) => Promise<Principal>;

/**
 * HS256 with a shared secret, or any JWKS algorithm from `jwks_url` (keys cached and refreshed by jose).
 * `exp` is required; `exp`, `nbf` and `iat` are checked with `clock_skew_s` of tolerance, and `iat` against
 * `max_age_s` when set. Scopes (space-separated string or array): `model:<glob>` allow models,
 * `chat`/`completions`/`embeddings` allow endpoints; a token without any of one kind is not restricted in that dimension.
 * Key scopes (`models:pin`) are granted by name.
 */
export function createJwtVerifier(config: JwtConfig, now: () => number = Date.now): JwtVerifier {
  const skewS = config.clock_skew_s;
  const options = (): JWTVerifyOptions => ({
    ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    ...(config.audience === undefined ? {} : { audience: config.audience }),
    ...(config.max_age_s === undefined ? {} : { maxTokenAge: config.max_age_s }),
    requiredClaims: ["exp"],
    clockTolerance: skewS,
    currentDate: new Date(now()),
  });
  const verify =
    config.secret !== undefined
      ? ((key) => (token: string) => jwtVerify(token, key, { ...options(), algorithms: ["HS256"] }))(createSecretKey(Buffer.from(config.secret)))
      : ((jwks) => (token: string) => jwtVerify(token, jwks, options()))(createRemoteJWKSet(new URL(config.jwks_url ?? ""), { timeoutDuration: 2000 }));
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new GatewayError("key_expired", { message: "The token has expired." });
      if (error instanceof errors.JWTClaimValidationFailed) throw new GatewayError("invalid_api_key", { message: `The token's "${error.claim}" claim is ${error.reason === "missing" ? "missing" : "not valid now"}.` });
      throw new GatewayError("invalid_api_key", { message: "The token is not valid." });
    }
    // jose checks a future `iat` only with maxTokenAge; a token from the future is refused either way.
    if (typeof payload.iat === "number" && payload.iat > now() / 1000 + skewS) throw new GatewayError("invalid_api_key", { message: `The token's "iat" claim is not valid now.` });
    const team = payload[config.team_claim];
    const scopes = readScopes(payload[config.scopes_claim]);
    const models = scopes.filter((scope) => scope.startsWith("model:")).map((scope) => scope.slice("model:".length));
    const endpoints = scopes.filter((scope): scope is EndpointName => (endpointNames as readonly string[]).includes(scope));
    const granted = scopes.filter((scope): scope is KeyScope => (keyScopes as readonly string[]).includes(scope));
    const subject = payload.sub ?? "jwt";
    return {
      id: `jwt:${subject}`,
      name: subject,
      kind: "jwt",
      ...(typeof team === "string" && team !== "" ? { team } : {}),
      policy: { ...(models.length > 0 ? { models } : {}), ...(endpoints.length > 0 ? { endpoints } : {}), ...(granted.length > 0 ? { scopes: granted } : {}) },
    };
  };
}

function readScopes(claim: unknown): string[] {
  if (typeof claim === "string") return claim.split(/\s+/).filter((scope) => scope !== "");
  if (Array.isArray(claim)) return claim.filter((scope): scope is string => typeof scope === "string");
  return [];
}
