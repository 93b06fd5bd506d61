import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";

const adminKey = "admin-key-for-tests-0123456789";
let upstream: FakeUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream({ record: false });
  const extra = `auth: { mode: keys, admin_key: "${adminKey}" }\nlimits: { backend: memory, teams: { shared: { rpm: 3 } } }`;
  const yaml = `server: { shutdown_grace_ms: 2000 }\n${extra}\nmodels:\n  - name: story\n    pricing: { input_per_million: 1000000, output_per_million: 1000000 }\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`;
  gateway = await startTestGateway(yaml);
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

async function createKey(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${gateway.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

async function chat(key: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "hi" }], max_tokens: 5, ...extra }) });
}

describe("rate limits", () => {
  it("admits exactly 100 of 300 concurrent requests on a 100-RPM key, with OpenAI's headers", async () => {
    const key = await createKey({ name: "rpm", rpm: 100 });
    const responses = await Promise.all(Array.from({ length: 300 }, () => chat(key)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(100);
    expect(statuses.filter((status) => status === 429)).toHaveLength(200);
    const refused = responses.find((response) => response.status === 429);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused?.headers.get("x-ratelimit-limit-requests")).toBe("100");
    expect(refused?.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(refused?.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(m\d+)?s$/);
    expect(((await refused?.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: "rate_limited", type: "rate_limit_error" });
    await Promise.all(responses.filter((response) => !response.bodyUsed).map((response) => response.body?.cancel()));
  });

  it("reserves prompt + max_tokens up front, so a burst that would exceed TPM is refused", async () => {
    const key = await createKey({ name: "tpm", tpm: 1000 });
    // Each request reserves its prompt (~8 tokens) + 300 output tokens: three fit in 1000, the fourth does not.
    const responses = await Promise.all(Array.from({ length: 6 }, () => chat(key, { max_tokens: 300 })));
    expect(responses.filter((response) => response.status === 200)).toHaveLength(3);
    const refused = responses.find((response) => response.status === 429);
    expect(refused?.headers.get("x-ratelimit-limit-tokens")).toBe("1000");
    // Settled with real usage (a few tokens each), the key has room again.
    expect((await chat(key, { max_tokens: 300 })).status).toBe(200);
  });

  it("limits concurrent requests", async () => {
    const key = await createKey({ name: "conc", max_concurrency: 2 });
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    upstream.enqueue({ kind: "ok", until: held }, { kind: "ok", until: held });
    const slow = [chat(key), chat(key)];
    // Both are in flight (held at the upstream) until the test releases them.
    await expect.poll(() => upstream.openRequests()).toBe(2);
    const third = await chat(key);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { message: string } }).error.message).toContain("concurrent");
    release();
    expect((await Promise.all(slow)).map((response) => response.status)).toEqual([200, 200]);
    expect((await chat(key)).status).toBe(200);
  });

  it("applies team limits across the team's keys", async () => {
    const [a, b] = await Promise.all([createKey({ name: "a", team: "shared" }), createKey({ name: "b", team: "shared" })]);
    const statuses = [];
    for (const key of [a, b, a, b]) statuses.push((await chat(key)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe("budgets", () => {
  it("refuses with 429 budget_exceeded once the daily budget cannot cover a request, and shows the spend", async () => {
    // $1 per token: a request reserves its prompt (~5 tokens) + max_tokens 5 = ~$10 and costs ~$6 (1 + 5 tokens
    // upstream); after the first, the $15 budget cannot cover another reservation.
    const created = await fetch(`${gateway.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" }, body: JSON.stringify({ name: "budget", budget: { daily_usd: 15 } }) });
    const { key, id } = (await created.json()) as { key: string; id: string };
    expect((await chat(key)).status).toBe(200);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
    const shown = (await (await fetch(`${gateway.url}/admin/keys/${id}`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as { spend: { day_usd: number; month_usd: number } };
    expect(shown.spend.day_usd).toBeGreaterThan(5);
    expect(shown.spend.month_usd).toBe(shown.spend.day_usd);
  });
});
