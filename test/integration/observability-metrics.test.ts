import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Client } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";

/** The value of the first sample named `name` whose labels include `labels`; 0 when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).match(/^\{(.*)\}/)?.[1] ?? "";
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

describe("Prometheus metrics", () => {
  let upstream: FakeUpstream;
  let gateway: RunningGateway;
  let dir: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), "gantry-metrics-"));
    gateway = await startTestGateway(
      `database: { path: "${join(dir, "gantry.db")}" }
models:
  - name: story
    pricing: { input_per_million: 1000, output_per_million: 2000 }
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
  - name: cached
    cache: { mode: exact }
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
`,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scrape = async (): Promise<string> => (await fetch(`${gateway.url}/metrics`)).text();
  const chat = (body: Record<string, unknown>): Promise<Response> =>
    fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: "Hi" }], ...body }) });

  it("counts a success with duration, tokens, cost and overhead, and sends the cost header", async () => {
    const response = await chat({ model: "story" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const expectedCost = (body.usage.prompt_tokens * 1000 + body.usage.completion_tokens * 2000) / 1e6;
    expect(Number(response.headers.get("x-gantry-cost-usd"))).toBeCloseTo(expectedCost, 9);
    const text = await scrape();
    const genAi = { gen_ai_operation_name: "chat", gen_ai_provider_name: "openai-compatible", gen_ai_request_model: "story", error_type: "" };
    expect(sample(text, "gantry_requests_total", { model: "story", deployment: "story/0", team: "none", status_class: "2xx", error_code: "" })).toBe(1);
    expect(sample(text, "gen_ai_server_request_duration_seconds_count", genAi)).toBe(1);
    expect(sample(text, "gen_ai_client_token_usage_sum", { ...genAi, gen_ai_token_type: "input" })).toBe(body.usage.prompt_tokens);
    expect(sample(text, "gen_ai_client_token_usage_sum", { ...genAi, gen_ai_token_type: "output" })).toBe(body.usage.completion_tokens);
    expect(sample(text, "gantry_cost_usd_total", { model: "story" })).toBeCloseTo(expectedCost, 9);
    expect(sample(text, "gantry_overhead_seconds_count", { model: "story" })).toBe(1);
    expect(sample(text, "gantry_overhead_seconds_sum", { model: "story" })).toBeLessThan(sample(text, "gen_ai_server_request_duration_seconds_sum", genAi));
    expect(sample(text, "gantry_circuit_breaker_state", { deployment: "story/0" })).toBe(0);
    expect(sample(text, "gantry_requests_in_flight")).toBe(0);
    expect(text).not.toMatch(/request_id|Hi"/);
  });

  it("exports prom-client's process metrics, and a second gateway in the same process gets its own", async () => {
    const second = await startTestGateway(`request_log: { enabled: false }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`);
    try {
      for (const text of [await scrape(), await (await fetch(`${second.url}/metrics`)).text()]) {
        expect(sample(text, "nodejs_eventloop_lag_p99_seconds")).toBeGreaterThan(0);
        expect(sample(text, "nodejs_heap_size_used_bytes")).toBeGreaterThan(1024 * 1024);
        expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(1024 * 1024);
        expect(sample(text, "nodejs_active_handles_total")).toBeGreaterThan(0);
        expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
        expect(text).not.toMatch(/gantry_(process|nodejs)_/);
      }
    } finally {
      await second.close();
    }
  });

  it("counts an upstream error by code with error_type", async () => {
    upstream.enqueue({ kind: "status", status: 500, body: "boom" });
    const response = await chat({ model: "story" });
    expect(response.status).toBe(502);
    const text = await scrape();
    expect(sample(text, "gantry_errors_total", { model: "story", status_class: "5xx", error_code: "upstream_error" })).toBe(1);
    expect(sample(text, "gantry_requests_total", { model: "story", status_class: "5xx", error_code: "upstream_error" })).toBe(1);
    expect(sample(text, "gen_ai_server_request_duration_seconds_count", { gen_ai_request_model: "story", error_type: "upstream_error" })).toBe(1);
  });

  it("bounds the model label for unknown models", async () => {
    const response = await chat({ model: "no-such-model-12345" });
    expect(response.status).toBe(404);
    const text = await scrape();
    expect(text).not.toContain("no-such-model-12345");
    expect(sample(text, "gantry_errors_total", { model: "unknown", error_code: "model_not_found" })).toBe(1);
  });

  it("records a streamed request's TTFT: at least the upstream's delay, and inside what the client measured", async () => {
    const labels = { gen_ai_operation_name: "chat", gen_ai_request_model: "story", error_type: "" };
    const before = await scrape();
    upstream.enqueue({ kind: "ok", delayMs: 80, chunkDelayMs: 5 });
    const client = new Client(new URL(gateway.url).origin);
    const sentAt = performance.now();
    const response = await client.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", stream: true, temperature: 0.7, messages: [{ role: "user", content: "Hi" }] }) });
    let buffered = "";
    let clientTtftMs: number | undefined;
    for await (const chunk of response.body) {
      clientTtftMs ??= performance.now() - sentAt;
      buffered += String(chunk);
    }
    await client.close();
    expect(buffered).toContain("data: [DONE]");
    const after = await scrape();
    expect(sample(after, "gen_ai_server_time_to_first_token_seconds_count", labels) - sample(before, "gen_ai_server_time_to_first_token_seconds_count", labels)).toBe(1);
    const serverTtftMs = (sample(after, "gen_ai_server_time_to_first_token_seconds_sum", labels) - sample(before, "gen_ai_server_time_to_first_token_seconds_sum", labels)) * 1000;
    expect(serverTtftMs).toBeGreaterThanOrEqual(80);
    // The gateway's span (request in → first token out) lies inside the client's (sent → first token read), on one
    // clock: how close the two are depends on the machine's load, which is bench/overhead's to measure.
    expect(serverTtftMs).toBeLessThanOrEqual(clientTtftMs ?? 0);
    expect(sample(await scrape(), "gen_ai_server_time_per_output_token_seconds_count", labels)).toBeGreaterThanOrEqual(1);
  });

  it("counts cache misses and hits", async () => {
    const body = { model: "cached", temperature: 0, messages: [{ role: "user", content: "cache me" }] };
    expect((await chat(body)).status).toBe(200);
    expect((await chat(body)).status).toBe(200);
    const text = await scrape();
    expect(sample(text, "gantry_cache_requests_total", { model: "cached", result: "miss" })).toBe(1);
    expect(sample(text, "gantry_cache_requests_total", { model: "cached", result: "hit" })).toBe(1);
  });
});
