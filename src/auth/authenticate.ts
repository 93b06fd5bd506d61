import type { IncomingMessage } from "node:http";
import { GatewayError } from "../errors/gateway-error.js";
import { hashApiKey, sameHash } from "./api-key.js";
import type { KeyLookup } from "./cached-key-lookup.js";
import type { JwtVerifier } from "./jwt-verifier.js";
import type { Principal } from "../pipeline/principal.js";

/** Establishes who sent a request from its headers alone (the body is not read yet); throws a 401 when it cannot. */
export type Authenticate = (request: IncomingMessage) => Promise<Principal>;

export interface AuthenticateDeps {
  findKey: KeyLookup;
  /** Present in `jwt` mode: bearer tokens that are not `gk-` keys are verified as JWTs. */
  verifyJwt?: JwtVerifier;
  now: () => number;
}

const maxCredentialLength = 8192;

/** Virtual keys (`Authorization: Bearer gk-…` or `x-api-key`), and JWTs when configured. */
export function createAuthenticate(deps: AuthenticateDeps): Authenticate {
  return async (request) => {
    const credential = readCredential(request);
    if (credential === undefined) throw new GatewayError("authentication_required", { message: "An API key is required: send Authorization: Bearer <key> or x-api-key." });
    if (credential.length > maxCredentialLength) throw new GatewayError("invalid_api_key");
    if (!credential.startsWith("gk-")) {
      if (deps.verifyJwt !== undefined) return deps.verifyJwt(credential);
      throw new GatewayError("invalid_api_key", { message: "The API key is not valid." });
    }
    const hash = hashApiKey(credential);
    const record = await deps.findKey(hash);
    if (record === undefined || !sameHash(record.hash, hash)) throw new GatewayError("invalid_api_key", { message: "The API key is not valid." });
    if (record.revoked_at !== undefined) throw new GatewayError("key_revoked");
    if (record.expires_at !== undefined && Date.parse(record.expires_at) <= deps.now()) throw new GatewayError("key_expired");
    const { id, name, team, hash: _hash, prefix: _prefix, created_at: _created, expires_at: _expires, revoked_at: _revoked, ...policy } = record;
    return { id, name, kind: "key", ...(team === undefined ? {} : { team }), policy };
  };
}

function readCredential(request: IncomingMessage): string | undefined {
  const authorization = request.headers["authorization"];
  if (typeof authorization === "string" && /^bearer /i.test(authorization)) {
    const token = authorization.slice("bearer ".length).trim();
    if (token !== "") return token;
  }
  const apiKey = request.headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey.trim() !== "") return apiKey.trim();
  return undefined;
}
