import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startClockedGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A webhook receiver collecting the alert bodies it is sent. */
async function startReceiver(): Promise<{ url: string; bodies: Record<string, unknown>[] }> {
  const bodies: Record<string, unknown>[] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

async function upstream(options: Parameters<typeof startFakeUpstream>[0] = {}): Promise<FakeUpstream> {
  const started = await startFakeUpstream({ record: true, ...options });
  cleanups.push(() => started.close());
  return started;
}

async function gatewayWith(clock: FakeClock, primary: FakeUpstream, extra: string): Promise<RunningGateway> {
  const yaml = `server: { shutdown_grace_ms: 500 }
logging: { level: silent }
admin: { open_on_loopback: true }
rollups: { flush_interval_seconds: 1 }
${extra}
models:
  - name: story
    retry: { max_attempts: 1 }
    deployments:
      - { provider: openai-compatible, base_url: "${primary.baseUrl}", upstream_model: tiny }
`;
  const gateway = await startClockedGateway(yaml, clock);
  cleanups.push(() => gateway.close());
  return gateway;
}

async function admin(gateway: RunningGateway, path: string, method = "GET", body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function chat(gateway: RunningGateway, user: string, stream = false): Promise<{ status: number; text: string }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "story", messages: [{ role: "user", content: `hello from ${user}` }], user, ...(stream ? { stream: true } : {}) }),
  });
  return { status: response.status, text: await response.text() };
}

async function candidateVersion(gateway: RunningGateway, candidate: FakeUpstream): Promise<void> {
  const created = await admin(gateway, "/admin/models/story/versions", "POST", { deployments: [{ provider: "openai-compatible", base_url: candidate.baseUrl, upstream_model: "tiny-2" }] });
  expect(created.status).toBe(201);
}

const realPause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One simulated minute at `rps` requests per second from distinct users, then a real pause for the rollup flush. */
async function minuteOfTraffic(gateway: RunningGateway, clock: FakeClock, minute: number, rps: number): Promise<void> {
  for (let second = 0; second < 60; second++) {
    for (let index = 0; index < rps; index++) await chat(gateway, `user-${minute}-${second}-${index}`);
    clock.advance(1000);
  }
  await realPause(1100);
}

describe("automatic canary analysis", () => {
  it("rolls back a canary whose upstream errors 20% of the time, with an alert and a history row", async () => {
    const clock = createFakeClock(Date.parse("2026-02-01T00:00:00Z"));
    const receiver = await startReceiver();
    let served = 0;
    const candidate = await upstream({ chooseBehavior: () => (++served % 5 === 0 ? { kind: "status", status: 500 } : undefined) });
    const gateway = await gatewayWith(clock, await upstream(), `alerts: { sinks: [{ kind: webhook, url: "${receiver.url}" }], delivery: { max_attempts: 1 } }\nregistry: { analysis_tick: 30s }`);
    await candidateVersion(gateway, candidate);
    const started = await admin(gateway, "/admin/models/story/canary", "POST", { version: 2, step_weight: 20, max_weight: 60, interval: "2m" });
    expect(started.status).toBe(201);

    let status = "running";
    let minutes = 0;
    // The configured window: the rollback must come within five analysis intervals (10 minutes).
    for (; minutes < 10 && status === "running"; minutes++) {
      await minuteOfTraffic(gateway, clock, minutes, 1);
      status = String((await admin(gateway, "/admin/models/story/canary")).json["status"]);
    }
    expect(status).toBe("rolled_back");
    expect(served).toBeGreaterThan(0);
    const run = (await admin(gateway, "/admin/models/story/canary")).json as { last_analysis: { verdict: string; checks: { metric: string; verdict: string }[] } };
    expect(run.last_analysis.verdict).toBe("fail");
    expect(run.last_analysis.checks.find((check) => check.metric === "error_rate")?.verdict).toBe("fail");
    // prod takes all traffic again; the history records the analysis clearing the split.
    expect((await admin(gateway, "/admin/models")).json["data"]).toEqual([expect.objectContaining({ split: null })]);
    const history = (await admin(gateway, "/admin/models/story/history")).json["changes"] as { actor: string; action: string }[];
    expect(history[0]).toMatchObject({ actor: "analysis", action: "split.set" });
    for (let wait = 0; wait < 50 && receiver.bodies.length === 0; wait++) await realPause(20);
    expect(JSON.stringify(receiver.bodies[0])).toContain("GantryCanaryRolledBack");
  }, 120_000);

  it("never rolls back a healthy canary at 1 RPS over 30 simulated minutes", async () => {
    const clock = createFakeClock(Date.parse("2026-02-02T00:00:00Z"));
    const gateway = await gatewayWith(clock, await upstream(), "registry: { analysis_tick: 30s }");
    await candidateVersion(gateway, await upstream());
    expect((await admin(gateway, "/admin/models/story/canary", "POST", { version: 2, step_weight: 10, max_weight: 50, interval: "5m" })).status).toBe(201);
    const statuses = new Set<string>();
    for (let minute = 0; minute < 30; minute++) {
      await minuteOfTraffic(gateway, clock, minute, 1);
      statuses.add(String((await admin(gateway, "/admin/models/story/canary")).json["status"]));
    }
    expect(statuses.has("rolled_back")).toBe(false);
    const run = (await admin(gateway, "/admin/models/story/canary")).json;
    expect(run["failures"]).toBe(0);
    // It stepped up at least once on the evidence, rather than only waiting.
    expect(Number(run["weight"])).toBeGreaterThan(10);
  }, 180_000);
});

describe("shadow traffic", () => {
  it("at 100% leaves client answers byte-identical and stores the comparisons", async () => {
    const clock = createFakeClock(Date.parse("2026-02-03T00:00:00Z"));
    const off = await gatewayWith(clock, await upstream(), "");
    const candidate = await upstream();
    const on = await gatewayWith(clock, await upstream(), "registry: { shadow: { story: { version: 2, percent: 100, max_concurrency: 64, scorer: exact } } }");
    await candidateVersion(on, candidate);
    const answers = { off: [] as string[], on: [] as string[] };
    for (let index = 0; index < 20; index++) {
      const stream = index % 2 === 1;
      answers.off.push((await chat(off, `user-${index}`, stream)).text);
      answers.on.push((await chat(on, `user-${index}`, stream)).text);
    }
    expect(answers.on).toEqual(answers.off);
    let shadow: Record<string, unknown> = {};
    // Shadow calls run on their own thread after the client's answers: up to 10 s for them on a loaded machine.
    for (let wait = 0; wait < 500; wait++) {
      shadow = (await admin(on, "/admin/models/story/shadow?limit=100")).json;
      if (Number(shadow["comparisons"]) >= 20) break;
      await realPause(20);
    }
    expect(shadow["comparisons"]).toBe(20);
    expect(shadow["agreement_rate"]).toBe(1);
    // The candidate got every request as a non-streamed call, streams included.
    const mirrored = candidate.calls.filter((call) => call.path === "/v1/chat/completions");
    expect(mirrored).toHaveLength(20);
    expect(mirrored.every((call) => call.body?.["stream"] !== true && call.body?.["model"] === "tiny-2")).toBe(true);
    const rows = shadow["data"] as { primary_output: string; shadow_output: string; primary_version: string; shadow_version: string }[];
    expect(rows[0]).toMatchObject({ primary_version: "1", shadow_version: "2" });
    expect(rows[0]?.primary_output.length).toBeGreaterThan(0);
    expect(rows[0]?.shadow_output).toBe(rows[0]?.primary_output);
  }, 60_000);

  it("judges on the main thread through the judge model and stores the judge's verdict", async () => {
    const clock = createFakeClock(Date.parse("2026-02-03T00:00:00Z"));
    const [primary, candidate, judge] = [await upstream(), await upstream(), await upstream()];
    judge.defaultBehavior = { kind: "ok", text: '{"reason": "same facts", "score": 0.9, "pass": true}' };
    const gateway = await startClockedGateway(
      `logging: { level: silent }
admin: { open_on_loopback: true }
registry: { shadow: { story: { version: 2, percent: 100, scorer: judge, judge_model: judge, threshold: 0.8 } } }
models:
  - name: story
    deployments: [{ provider: openai-compatible, base_url: "${primary.baseUrl}", upstream_model: tiny }]
  - name: judge
    deployments: [{ provider: openai-compatible, base_url: "${judge.baseUrl}", upstream_model: grader }]
`,
      clock,
    );
    cleanups.push(() => gateway.close());
    await candidateVersion(gateway, candidate);
    expect((await chat(gateway, "user-1")).status).toBe(200);
    let shadow: Record<string, unknown> = {};
    for (let wait = 0; wait < 500 && Number(shadow["comparisons"] ?? 0) < 1; wait++) {
      await realPause(20);
      shadow = (await admin(gateway, "/admin/models/story/shadow")).json;
    }
    expect(shadow["data"]).toMatchObject([{ scorer: "judge", score: 0.9, agree: true, error: null }]);
    const graded = judge.calls.filter((call) => call.path === "/v1/chat/completions");
    expect(graded).toHaveLength(1);
    expect(JSON.stringify(graded[0]?.body)).toContain("reference answer");
  }, 60_000);
});
