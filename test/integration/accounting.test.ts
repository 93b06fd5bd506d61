import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

const adminKey = "admin-key-for-accounting-tests-0123";
const admin = { authorization: `Bearer ${adminKey}` };

/**
 * story falls back to backup ($2 in, $3 out per token); cached has an exact cache ($1 per token); metered charges
 * only output ($1 per token), so a request's worst case (max_tokens) is exactly what a full answer costs.
 */
function gatewayYaml(primary: FakeUpstream, backup: FakeUpstream, limits: string): string {
  const deployment = (upstream: FakeUpstream): string => `      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }`;
  return `server: { shutdown_grace_ms: 2000 }
auth: { mode: keys, admin_key: "${adminKey}" }
limits: ${limits}
cache: { ttl_seconds: 60 }
models:
  - name: story
    pricing: { input_per_million: 1000000, output_per_million: 1000000 }
    fallbacks: [backup]
    deployments:
${deployment(primary)}
  - name: backup
    pricing: { input_per_million: 2000000, output_per_million: 3000000 }
    deployments:
${deployment(backup)}
  - name: cached
    pricing: { input_per_million: 1000000, output_per_million: 1000000 }
    cache: { mode: exact }
    deployments:
${deployment(backup)}
  - name: metered
    pricing: { input_per_million: 0, output_per_million: 1000000 }
    deployments:
${deployment(backup)}
`;
}

/** The value of the first sample named `name` whose labels include `labels`; 0 when there is none. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length).match(/^\{(.*)\}/)?.[1] ?? "";
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

function harness(getGateway: () => RunningGateway): {
  createKey: (body: Record<string, unknown>) => Promise<{ key: string; id: string }>;
  spend: (id: string) => Promise<number>;
  chat: (key: string, body: Record<string, unknown>, signal?: AbortSignal) => Promise<Response>;
  row: (requestId: string) => Promise<{ cost_usd: number; completion_tokens: number; answered_by: string | null; cache: string | null }>;
  metrics: () => Promise<string>;
} {
  const url = (path: string): string => `${getGateway().url}${path}`;
  return {
    createKey: async (body) => {
      const response = await fetch(url("/admin/keys"), { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(response.status).toBe(201);
      return (await response.json()) as { key: string; id: string };
    },
    spend: async (id) => ((await (await fetch(url(`/admin/keys/${id}`), { headers: admin })).json()) as { spend: { day_usd: number } }).spend.day_usd,
    chat: (key, body, signal) =>
      fetch(url("/v1/chat/completions"), { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body), ...(signal === undefined ? {} : { signal }) }),
    // Rows are written off the request path: wait until this one is there.
    row: (requestId) =>
      vi.waitFor(
        async () => {
          const response = await fetch(url(`/admin/requests/${requestId}`), { headers: admin });
          expect(response.status).toBe(200);
          return (await response.json()) as { cost_usd: number; completion_tokens: number; answered_by: string | null; cache: string | null };
        },
        { timeout: 10_000, interval: 50 },
      ),
    metrics: async () => (await fetch(url("/metrics"), { headers: admin })).text(),
  };
}

describe("one accounting record (memory limits)", () => {
  let primary: FakeUpstream;
  let backup: FakeUpstream;
  let gateway: RunningGateway;
  const { createKey, spend, chat, row, metrics } = harness(() => gateway);

  beforeAll(async () => {
    primary = await startFakeUpstream({ record: false });
    primary.defaultBehavior = { kind: "status", status: 503 };
    backup = await startFakeUpstream({ record: false });
    backup.defaultBehavior = { kind: "ok", text: "one two three four five six seven eight nine ten" };
    gateway = await startTestGateway(gatewayYaml(primary, backup, "{ backend: memory }"));
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([primary.close(), backup.close()]);
  });

  it("charges a fallback's answer at the fallback's price, and the budget, log row, metric and header agree", async () => {
    const { key, id } = await createKey({ name: "fallback", budget: { daily_usd: 1000 } });
    const response = await chat(key, { model: "story", messages: [{ role: "user", content: "hi" }], max_tokens: 5 });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gantry-fallback")).toBe("true");
    const { usage } = (await response.json()) as { usage: Usage };
    // backup's price: $2 per prompt token, $3 per completion token (story's would be $1 and $1).
    const expected = usage.prompt_tokens * 2 + usage.completion_tokens * 3;
    expect(expected).toBeGreaterThan(usage.prompt_tokens + usage.completion_tokens);
    expect(Number(response.headers.get("x-gantry-cost-usd"))).toBe(expected);
    await vi.waitFor(async () => expect(await spend(id)).toBe(expected), { timeout: 5000, interval: 20 });
    const logged = await row(response.headers.get("x-request-id") ?? "");
    expect(logged.cost_usd).toBe(expected);
    expect(logged.answered_by).toBe("backup");
    expect(sample(await metrics(), "gantry_cost_usd_total", { model: "story" })).toBe(expected);
  });

  it("charges a cache hit nothing and records the saved tokens and cost", async () => {
    const { key, id } = await createKey({ name: "cache", budget: { daily_usd: 1000 } });
    const body = { model: "cached", messages: [{ role: "user", content: "a cacheable question" }], temperature: 0, max_tokens: 4 };
    const miss = await chat(key, body);
    expect(miss.headers.get("x-gantry-cache")).toBe("miss");
    const { usage } = (await miss.json()) as { usage: Usage };
    const fresh = usage.prompt_tokens + usage.completion_tokens;
    expect(Number(miss.headers.get("x-gantry-cost-usd"))).toBe(fresh);
    await vi.waitFor(async () => expect(await spend(id)).toBe(fresh), { timeout: 5000, interval: 20 });

    const hit = await chat(key, body);
    expect(hit.headers.get("x-gantry-cache")).toBe("hit");
    expect(hit.headers.get("x-gantry-cost-usd")).toBe("0");
    await hit.json();
    const logged = await row(hit.headers.get("x-request-id") ?? "");
    expect(logged).toMatchObject({ cost_usd: 0, cache: "hit" });
    expect(await spend(id)).toBe(fresh);
    const text = await metrics();
    expect(sample(text, "gantry_saved_cost_usd_total", { model: "cached" })).toBe(fresh);
    expect(sample(text, "gantry_saved_tokens_total", { model: "cached" })).toBe(fresh);
  });

  it("charges a stream the client abandons after N tokens for those N tokens, counted with the tokenizer", async () => {
    const { key, id } = await createKey({ name: "abandon", budget: { daily_usd: 1000 } });
    // Four tokens at once, then the upstream stalls: the client has read exactly four when it leaves.
    backup.enqueue({ kind: "ok", text: "one two three four five six", tokenDelaysMs: [0, 0, 0, 0, 30_000, 0] });
    const controller = new AbortController();
    const response = await chat(key, { model: "metered", messages: [{ role: "user", content: "count" }], max_tokens: 100, stream: true }, controller.signal);
    expect(response.status).toBe(200);
    // The worst case ($100 for max_tokens 100) is reserved while the stream runs.
    expect(await spend(id)).toBe(100);
    const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
    const decoder = new TextDecoder();
    let received = "";
    while ((received.match(/"content":"[^"]+"/g) ?? []).length < 4) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    expect(received).toContain('"content":" four"');
    controller.abort();
    // Settled to the four delivered tokens at $1 each (no usage came; input is free on this model).
    await vi.waitFor(async () => expect(await spend(id)).toBe(4), { timeout: 10_000, interval: 20 });
    const logged = await row(response.headers.get("x-request-id") ?? "");
    expect(logged).toMatchObject({ cost_usd: 4, completion_tokens: 4 });
  });

  it("admits at most 10 of 50 concurrent requests against a budget that fits 10", async () => {
    const { key, id } = await createKey({ name: "burst", budget: { daily_usd: 50 } });
    // Each request reserves max_tokens 5 × $1 = $5 and really costs $5: the $50 budget fits exactly ten.
    const responses = await Promise.all(Array.from({ length: 50 }, () => chat(key, { model: "metered", messages: [{ role: "user", content: "hi" }], max_tokens: 5 })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
    await Promise.all(responses.map((response) => response.text()));
    expect(await spend(id)).toBe(50);
  });
});

describe("budgets on Redis", () => {
  let redis: TestRedis;
  let primary: FakeUpstream;
  let backup: FakeUpstream;
  let gateway: RunningGateway;
  const { createKey, spend, chat } = harness(() => gateway);

  beforeAll(async () => {
    redis = await startRedis();
    primary = await startFakeUpstream({ record: false });
    backup = await startFakeUpstream({ record: false });
    gateway = await startTestGateway(gatewayYaml(primary, backup, `{ backend: redis, redis_url: "${redis.url}" }`));
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all([primary.close(), backup.close()]);
    await redis.stop();
  });

  it("admits at most 10 of 50 concurrent requests against a budget that fits 10 (atomic Lua check-and-reserve)", async () => {
    const { key, id } = await createKey({ name: "burst", budget: { daily_usd: 50 } });
    const responses = await Promise.all(Array.from({ length: 50 }, () => chat(key, { model: "metered", messages: [{ role: "user", content: "hi" }], max_tokens: 5 })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
    await Promise.all(responses.map((response) => response.text()));
    await vi.waitFor(async () => expect(await spend(id)).toBe(50), { timeout: 5000, interval: 20 });
  });

  it("settles a reservation to the real cost", async () => {
    const { key, id } = await createKey({ name: "settle", budget: { daily_usd: 1000 } });
    // Reserves max_tokens 100 × $1; the answer has the fake upstream's 13 default tokens.
    const response = await chat(key, { model: "metered", messages: [{ role: "user", content: "hi" }], max_tokens: 100 });
    const { usage } = (await response.json()) as { usage: Usage };
    expect(usage.completion_tokens).toBeLessThan(100);
    await vi.waitFor(async () => expect(await spend(id)).toBe(usage.completion_tokens), { timeout: 5000, interval: 20 });
  });
});
