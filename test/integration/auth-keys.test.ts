import { request as httpRequest } from "node:http";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { startGateway, type RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { startClockedGateway, testDatabase, upstreamConfig } from "../helpers/gateway.js";

const adminKey = "admin-key-for-tests-0123456789";
let upstream: FakeUpstream;
let elsewhere: FakeUpstream;
let gateway: RunningGateway;
let logs = "";

beforeAll(async () => {
  upstream = await startFakeUpstream();
  elsewhere = await startFakeUpstream();
  const yaml = upstreamConfig([upstream.baseUrl], `auth: { mode: keys, admin_key: "${adminKey}" }\nlogging: { level: info, requests: true }`);
  const config = parseConfig(yaml, process.env, "test");
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((logs += chunk.toString()), done()) });
  gateway = await startGateway({ ...config, database: testDatabase(yaml, config), server: { ...config.server, port: 0, host: "127.0.0.1" } }, { logger: pino({ level: "info" }, sink) });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await elsewhere.close();
});

async function call(path: string, options: { method?: string; key?: string; apiKey?: string; body?: unknown; on?: RunningGateway } = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.key !== undefined) headers["authorization"] = `Bearer ${options.key}`;
  if (options.apiKey !== undefined) headers["x-api-key"] = options.apiKey;
  const response = await fetch(`${(options.on ?? gateway).url}${path}`, { method: options.method ?? (options.body === undefined ? "GET" : "POST"), headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

async function createKey(body: Record<string, unknown>, on?: RunningGateway): Promise<{ key: string; id: string }> {
  const created = await call("/admin/keys", { key: adminKey, body, ...(on === undefined ? {} : { on }) });
  expect(created.status).toBe(201);
  return created.body as { key: string; id: string };
}

const chat = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ model: "story", messages: [{ role: "user", content: "hi" }], ...extra });
const codeOf = (body: Record<string, unknown>): unknown => (body["error"] as { code?: string } | undefined)?.code;

describe("virtual keys", () => {
  it("needs a key for /v1/* but not for health probes", async () => {
    expect((await call("/healthz")).status).toBe(200);
    const missing = await call("/v1/chat/completions", { body: chat() });
    expect(missing.status).toBe(401);
    expect(codeOf(missing.body)).toBe("authentication_required");
    const wrong = await call("/v1/chat/completions", { key: "gk-not-a-real-key-000000000000000000000", body: chat() });
    expect(wrong.status).toBe(401);
    expect(codeOf(wrong.body)).toBe("invalid_api_key");
  });

  it("answers 401 from the headers alone, before the body arrives", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(gateway.url);
      const pending = httpRequest({ host: url.hostname, port: url.port, path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json", "content-length": "100000" } }, (response) => {
        resolve(response.statusCode ?? 0);
        response.resume();
        pending.destroy();
      });
      pending.on("error", reject);
      pending.write("{");
    });
    expect(status).toBe(401);
  });

  it("creates, uses (Bearer and x-api-key), lists without secrets, revokes with immediate effect, and audits", async () => {
    expect((await call("/admin/keys", { body: { name: "x" } })).status).toBe(401);
    expect((await call("/admin/keys", { key: "wrong-admin-key-0000000", body: { name: "x" } })).status).toBe(403);
    const { key, id } = await createKey({ name: "team-a", team: "a", models: ["story"], rpm: 100 });
    expect(key).toMatch(/^gk-[\w-]{40,}$/);
    expect((await call("/v1/chat/completions", { key, body: chat() })).status).toBe(200);
    expect((await call("/v1/chat/completions", { apiKey: key, body: chat() })).status).toBe(200);
    const listed = await call("/admin/keys", { key: adminKey });
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(JSON.stringify(listed.body)).not.toContain('"hash"');
    const one = await call(`/admin/keys/${id}`, { key: adminKey });
    expect(one.body).toMatchObject({ id, name: "team-a", team: "a", prefix: key.slice(0, 11), spend: { day_usd: 0, month_usd: 0 } });
    expect((await call(`/admin/keys/${id}`, { method: "DELETE", key: adminKey })).status).toBe(200);
    const refused = await call("/v1/chat/completions", { key, body: chat() });
    expect(refused.status).toBe(401);
    expect(codeOf(refused.body)).toBe("key_revoked");
    const audit = await call("/admin/audit", { key: adminKey });
    const actions = (audit.body["data"] as Array<{ action: string; target?: string }>).filter((entry) => entry.target === id).map((entry) => entry.action);
    expect(actions).toEqual(["key.create", "key.revoke"]);
  });

  it("refuses an expired key from the moment it expires", async () => {
    const clock = createFakeClock();
    const on = await startClockedGateway(upstreamConfig([upstream.baseUrl], `auth: { mode: keys, admin_key: "${adminKey}" }`), clock);
    try {
      const { key } = await createKey({ name: "short", expires_at: new Date(clock.now() + 300).toISOString() }, on);
      expect((await call("/v1/chat/completions", { key, body: chat(), on })).status).toBe(200);
      clock.advance(299);
      expect((await call("/v1/chat/completions", { key, body: chat(), on })).status).toBe(200);
      clock.advance(1);
      const expired = await call("/v1/chat/completions", { key, body: chat(), on });
      expect(expired.status).toBe(401);
      expect(codeOf(expired.body)).toBe("key_expired");
    } finally {
      await on.close();
    }
  });

  it("lets a key created with admin: true use the admin API, names it in the audit log, and refuses other keys", async () => {
    const admin = await createKey({ name: "ops", admin: true });
    const plain = await createKey({ name: "app" });
    expect((await call("/admin/keys", { key: admin.key })).status).toBe(200);
    const made = await call("/admin/keys", { key: admin.key, body: { name: "made-by-ops" } });
    expect(made.status).toBe(201);
    expect((await call("/admin/keys", { key: plain.key })).status).toBe(403);
    expect((await call("/admin/keys", { key: "gk-not-a-real-key-000000000000000000000" })).status).toBe(401);
    const audit = await call("/admin/audit", { key: adminKey });
    const entries = audit.body["data"] as { actor: string; action: string }[];
    expect(entries.some((entry) => entry.actor.startsWith(`key:${admin.id}@`))).toBe(true);
  });

  it("rejects bad admin input with 400s", async () => {
    expect((await call("/admin/keys", { key: adminKey, body: { name: "" } })).status).toBe(400);
    expect((await call("/admin/keys", { key: adminKey, body: { name: "x", rpm: -1 } })).status).toBe(400);
    expect((await call("/admin/keys", { key: adminKey, body: { name: "x", bogus: 1 } })).status).toBe(400);
    expect((await call("/admin/keys/key_nope", { key: adminKey })).status).toBe(404);
  });
});

describe("scopes", () => {
  it("denies models and endpoints outside the key's scopes with 403 naming them", async () => {
    const { key } = await createKey({ name: "narrow", models: ["other-*"], endpoints: ["chat"] });
    const model = await call("/v1/chat/completions", { key, body: chat() });
    expect(model.status).toBe(403);
    expect(codeOf(model.body)).toBe("permission_denied");
    expect((model.body["error"] as { message: string }).message).toContain('"story"');
    const { key: chatOnly } = await createKey({ name: "chat-only", models: ["st*"], endpoints: ["chat"] });
    expect((await call("/v1/chat/completions", { key: chatOnly, body: chat() })).status).toBe(200);
    const embeddings = await call("/v1/embeddings", { key: chatOnly, body: { model: "story", input: "hi" } });
    expect(embeddings.status).toBe(403);
    expect((embeddings.body["error"] as { message: string }).message).toContain("embeddings");
  });

  it("refuses max_tokens above the key's cap and applies the cap when absent", async () => {
    const { key } = await createKey({ name: "capped", max_tokens: 5 });
    const above = await call("/v1/chat/completions", { key, body: chat({ max_tokens: 50 }) });
    expect(above.status).toBe(400);
    expect((above.body["error"] as { param: string }).param).toBe("max_tokens");
    const before = upstream.calls.length;
    expect((await call("/v1/chat/completions", { key, body: chat() })).status).toBe(200);
    expect(upstream.calls[before]?.body?.["max_tokens"]).toBe(5);
  });
});

describe("hardening", () => {
  it("never takes an upstream URL from the request (no SSRF)", async () => {
    const { key } = await createKey({ name: "ssrf" });
    const before = upstream.calls.length;
    const evil = { base_url: elsewhere.baseUrl, api_base: elsewhere.baseUrl, baseURL: elsewhere.baseUrl, url: `${elsewhere.baseUrl}/chat/completions` };
    expect((await call("/v1/chat/completions", { key, body: chat(evil) })).status).toBe(200);
    expect(upstream.calls.length).toBe(before + 1);
    expect(elsewhere.calls.length).toBe(0);
  });

  it("caps prompt tokens", async () => {
    const { key } = await createKey({ name: "short-prompts", max_prompt_tokens: 20 });
    const long = await call("/v1/chat/completions", { key, body: chat({ messages: [{ role: "user", content: "word ".repeat(100) }] }) });
    expect(long.status).toBe(400);
    expect(codeOf(long.body)).toBe("prompt_too_long");
  });

  it("never logs keys or the admin key", async () => {
    const { key, id } = await createKey({ name: "logged" });
    expect((await call("/v1/chat/completions", { key, body: chat() })).status).toBe(200);
    // The request's log line is written once the response has finished, which may be just after the client has it.
    await expect.poll(() => logs).toContain(id);
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(key.slice(3));
    expect(logs).not.toContain(adminKey);
  });
});
