import { afterEach, describe, expect, it } from "vitest";
import { request } from "undici";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startClockedGateway } from "../helpers/gateway.js";
import { parseConfig } from "../../src/config/load-config.js";
import { parsePrometheusLoad } from "../../src/routing/prometheus-load.js";
import type { RunningGateway } from "../../src/main.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function upstreams(count: number): Promise<FakeUpstream[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startFakeUpstream()));
  open.push(...started);
  return started;
}

/** The gateway's probes run on this fake clock: they go only when a test steps it. */
let clock: FakeClock;

async function gatewayFor(replicas: FakeUpstream[], routing: string): Promise<RunningGateway> {
  const deployments = replicas.map((replica) => `      - { provider: openai-compatible, base_url: "${replica.baseUrl}", upstream_model: tiny }`).join("\n");
  clock = createFakeClock();
  const gateway = await startClockedGateway(`models:\n  - name: chat\n    routing: ${routing}\n    deployments:\n${deployments}\n`, clock);
  open.unshift(gateway);
  return gateway;
}

async function chat(gateway: RunningGateway): Promise<{ status: number; text: string }> {
  const body = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "hi" }] });
  const response = await request(`${gateway.url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" } });
  return { status: response.statusCode, text: await response.body.text() };
}

const posts = (replica: FakeUpstream): number => replica.calls.filter((call) => call.method === "POST").length;
const gets = (replica: FakeUpstream, path: string): number => replica.calls.filter((call) => call.method === "GET" && call.path === path).length;

/** Fires the next probe timer and waits until that probe has finished (its verdict applied, the next one scheduled). */
async function step(): Promise<void> {
  const finished = clock.scheduled();
  clock.fireNext();
  await finished;
}

/** Steps the probes until `done` holds; each replica's probes take turns. */
async function stepUntil(done: () => boolean): Promise<void> {
  while (!done()) await step();
}

/** Steps until the replica has been probed `count` more times than now, so every state change has been applied. */
async function probesPass(replica: FakeUpstream, count: number): Promise<void> {
  const target = gets(replica, "/v1/models") + count;
  await stepUntil(() => gets(replica, "/v1/models") >= target);
}

const fastChecks = "{ strategy: round-robin, health_check: { interval_ms: 30, timeout_ms: 500, unhealthy_after: 2, healthy_after: 2 } }";

describe("active health checks", () => {
  it("an unhealthy replica gets no traffic, and gets it back once it recovers", async () => {
    const [flaky, steady] = await upstreams(2);
    const gateway = await gatewayFor([flaky!, steady!], fastChecks);
    await probesPass(flaky!, 1);

    flaky!.healthy = false;
    // Two failures take it out; the third probe proves the second one's verdict has been applied.
    await probesPass(flaky!, 3);
    const before = posts(flaky!);
    for (let index = 0; index < 20; index++) expect((await chat(gateway)).status).toBe(200);
    expect(posts(flaky!)).toBe(before);
    expect(posts(steady!)).toBeGreaterThanOrEqual(20);

    flaky!.healthy = true;
    await probesPass(flaky!, 3);
    for (let index = 0; index < 20; index++) expect((await chat(gateway)).status).toBe(200);
    // Round-robin over two healthy replicas again: half each.
    expect(posts(flaky!) - before).toBe(10);
  });

  it("every replica failing its checks: 503 no_deployment_available without calling any", async () => {
    const replicas = await upstreams(2);
    const gateway = await gatewayFor(replicas, fastChecks);
    for (const replica of replicas) replica.healthy = false;
    for (const replica of replicas) await probesPass(replica, 3);
    const answer = await chat(gateway);
    expect(answer.status).toBe(503);
    expect(answer.text).toContain("no_deployment_available");
    expect(replicas.reduce((sum, replica) => sum + posts(replica), 0)).toBe(0);
  });

  it("a replica that is down (connection refused) is taken out; nothing reaches it", async () => {
    const [gone, alive] = await upstreams(2);
    const gateway = await gatewayFor([gone!, alive!], fastChecks);
    await gone!.close();
    // Three rounds of probes: the closed port fails two in a row (unhealthy_after) whatever round it was in.
    for (let round = 0; round < 3 * 2; round++) await step();
    for (let index = 0; index < 10; index++) {
      const answer = await chat(gateway);
      expect(answer.status).toBe(200);
    }
    expect(posts(alive!)).toBe(10);
  });

  it("checks stop when the gateway closes", async () => {
    const [replica] = await upstreams(1);
    const gateway = await gatewayFor([replica!], "{ health_check: { interval_ms: 20 } }");
    await probesPass(replica!, 2);
    await gateway.close();
    const after = gets(replica!, "/v1/models");
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(gets(replica!, "/v1/models")).toBe(after);
  });

  it("off by default: no probes are sent", async () => {
    const [replica] = await upstreams(1);
    const gateway = await gatewayFor([replica!], "{ strategy: round-robin }");
    // Other jobs run on the same clock (the registry's change poll), so the probes themselves are what is counted.
    clock.advance(60_000);
    expect((await chat(gateway)).status).toBe(200);
    expect(replica!.calls.filter((call) => call.method === "GET")).toHaveLength(0);
  });

  it("least-outstanding counts the load an upstream reports on /metrics (vllm gauges)", async () => {
    const [busy, idle] = await upstreams(2);
    busy!.reportedWaiting = 40;
    idle!.reportedWaiting = 0;
    const gateway = await gatewayFor([busy!, idle!], "{ strategy: least-outstanding, health_check: { interval_ms: 30, metrics_path: /metrics } }");
    await stepUntil(() => gets(busy!, "/metrics") >= 2);
    for (let index = 0; index < 20; index++) expect((await chat(gateway)).status).toBe(200);
    // Without the scrape, ties between two idle replicas would split these at random.
    expect(posts(busy!)).toBe(0);
    expect(posts(idle!)).toBe(20);
  });

  it("config: keys are validated, defaults filled in", () => {
    const yaml = (routing: string): string => `models:\n  - name: chat\n    routing: ${routing}\n    deployments:\n      - { provider: openai-compatible, base_url: "http://127.0.0.1:1/v1" }\n`;
    const parsed = parseConfig(yaml("{ health_check: {} }"), {}, "test");
    expect(parsed.models[0]?.routing.health_check).toEqual({ enabled: true, path: "/models", interval_ms: 5000, timeout_ms: 1000, unhealthy_after: 2, healthy_after: 1 });
    expect(() => parseConfig(yaml("{ health_check: { intervall_ms: 5 } }"), {}, "test")).toThrow(/intervall_ms/);
    expect(() => parseConfig(yaml("{ health_check: { path: models } }"), {}, "test")).toThrow(/health_check\.path/);
  });

  it("parses waiting + running from a Prometheus exposition, and only those", () => {
    const text = [
      "# HELP vllm:num_requests_waiting Requests waiting.",
      'vllm:num_requests_waiting{model_name="a"} 3',
      'vllm:num_requests_running{model_name="a"} 4.0',
      "vllm:num_requests_waiting_extra 100",
      'vllm:kv_cache_usage_perc{model_name="a"} 0.5',
    ].join("\n");
    expect(parsePrometheusLoad(text)).toBe(7);
    expect(parsePrometheusLoad("process_cpu_seconds_total 1\n")).toBeUndefined();
  });
});
