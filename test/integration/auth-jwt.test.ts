import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";

const secret = "a-test-hs256-secret-of-at-least-32-chars";
let upstream: FakeUpstream;
let hsGateway: RunningGateway;
let jwksGateway: RunningGateway;
let maxAgeGateway: RunningGateway;
let jwksServer: Server;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

beforeAll(async () => {
  upstream = await startFakeUpstream();
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  signingKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
  jwksServer = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  hsGateway = await startTestGateway(upstreamConfig([upstream.baseUrl], `auth: { mode: jwt, jwt: { secret: "${secret}", issuer: gantry-tests, audience: gantry } }`));
  jwksGateway = await startTestGateway(upstreamConfig([upstream.baseUrl], `auth: { mode: jwt, jwt: { jwks_url: "${jwksUrl}" } }`));
  maxAgeGateway = await startTestGateway(upstreamConfig([upstream.baseUrl], `auth: { mode: jwt, jwt: { secret: "${secret}", max_age_s: 300, clock_skew_s: 10 } }`));
});
afterAll(async () => {
  await Promise.all([hsGateway.close(), jwksGateway.close(), maxAgeGateway.close()]);
  await upstream.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

function hs256(claims: Record<string, unknown>, expiresIn: string | number = "5m", key = secret): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setIssuer("gantry-tests").setAudience("gantry").setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(key));
}

async function chat(gateway: RunningGateway, token: string): Promise<{ status: number; code: string | undefined }> {
  const { status, code } = await chatWithMessage(gateway, token);
  return { status, code };
}

async function chatWithMessage(gateway: RunningGateway, token: string): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "hi" }] }) });
  const body = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, code: body.error?.code, message: body.error?.message };
}

/** An HS256 token with exactly the given time claims (seconds from now; undefined = left out). */
function timed(claims: { exp?: number; iat?: number; nbf?: number }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setIssuer("gantry-tests").setAudience("gantry");
  if (claims.exp !== undefined) token.setExpirationTime(now + claims.exp);
  if (claims.iat !== undefined) token.setIssuedAt(now + claims.iat);
  if (claims.nbf !== undefined) token.setNotBefore(now + claims.nbf);
  return token.sign(new TextEncoder().encode(secret));
}

describe("JWT auth", () => {
  it("accepts a valid HS256 token and maps team and scopes", async () => {
    expect(await chat(hsGateway, await hs256({ team: "a", scope: "chat model:story" }))).toEqual({ status: 200, code: undefined });
    expect(await chat(hsGateway, await hs256({ team: "a", scope: "chat model:other" }))).toEqual({ status: 403, code: "permission_denied" });
  });

  it("refuses an expired token, a wrong signature and a wrong audience", async () => {
    expect(await chat(hsGateway, await hs256({}, Math.floor(Date.now() / 1000) - 120))).toEqual({ status: 401, code: "key_expired" });
    expect(await chat(hsGateway, await hs256({}, "5m", "another-secret-that-is-32-chars-long!!"))).toEqual({ status: 401, code: "invalid_api_key" });
    const wrongAudience = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuer("gantry-tests").setAudience("someone-else").setExpirationTime("5m").sign(new TextEncoder().encode(secret));
    expect(await chat(hsGateway, wrongAudience)).toEqual({ status: 401, code: "invalid_api_key" });
    expect(await chat(hsGateway, "not.a.jwt")).toEqual({ status: 401, code: "invalid_api_key" });
  });

  it("requires exp and bounds nbf and iat to the clock skew (default 60 s)", async () => {
    expect(await chatWithMessage(hsGateway, await timed({ iat: 0 }))).toEqual({ status: 401, code: "invalid_api_key", message: 'The token\'s "exp" claim is missing.' });
    expect((await chat(hsGateway, await timed({ exp: 300, iat: 600 }))).code).toBe("invalid_api_key");
    expect((await chat(hsGateway, await timed({ exp: 900, nbf: 600 }))).code).toBe("invalid_api_key");
    expect((await chat(hsGateway, await timed({ exp: 300, iat: 20, nbf: 20 }))).status).toBe(200);
    expect((await chat(hsGateway, await timed({ exp: -20 }))).status).toBe(200);
    expect(await chat(hsGateway, await timed({ exp: -120 }))).toMatchObject({ status: 401, code: "key_expired" });
  });

  it("refuses tokens older than max_age_s, and tokens without iat there", async () => {
    expect((await chat(maxAgeGateway, await timed({ exp: 300, iat: -60 }))).status).toBe(200);
    expect(await chat(maxAgeGateway, await timed({ exp: 300, iat: -600 }))).toMatchObject({ status: 401, code: "key_expired" });
    expect(await chatWithMessage(maxAgeGateway, await timed({ exp: 300 }))).toEqual({ status: 401, code: "invalid_api_key", message: 'The token\'s "iat" claim is missing.' });
    expect((await chat(maxAgeGateway, await timed({ exp: 300, iat: 30 }))).code).toBe("invalid_api_key");
  });

  it("verifies RS256 tokens against a JWKS URL", async () => {
    const valid = await new SignJWT({ team: "b" }).setProtectedHeader({ alg: "RS256", kid: "test-key" }).setSubject("bob").setExpirationTime("5m").sign(signingKey);
    expect(await chat(jwksGateway, valid)).toEqual({ status: 200, code: undefined });
    const expired = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "test-key" }).setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(signingKey);
    expect(await chat(jwksGateway, expired)).toEqual({ status: 401, code: "key_expired" });
    const { privateKey: stranger } = await generateKeyPair("RS256");
    const forged = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "test-key" }).setExpirationTime("5m").sign(stranger);
    expect(await chat(jwksGateway, forged)).toEqual({ status: 401, code: "invalid_api_key" });
  });
});
