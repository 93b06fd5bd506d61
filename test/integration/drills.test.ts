import { afterEach, describe, expect, it } from "vitest";
import { request } from "undici";
import pino from "pino";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startClockedGateway } from "../helpers/gateway.js";
import { startRedis } from "../helpers/redis-server.js";
import type { RunningGateway } from "../../src/main.js";
import { createRedisConnections } from "../../src/compose/redis-connections.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { parseDrillScenario, DrillScenarioError } from "../../src/drills/drill-scenario.js";
import { runDrill } from "../../src/drills/run-drill.js";
import { createFaultAdminClient } from "../../src/drills/fault-admin-client.js";
import { formatDrillReport } from "../../src/drills/drill-report.js";
import { drill } from "../../src/cli/drill.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const adminKey = "drills-admin-key-0123456789";
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A clocked gateway with one model `story` over the given upstreams and the admin key on. */
async function gatewayOver(upstreams: FakeUpstream[], clock: FakeClock, model = ""): Promise<RunningGateway> {
  const deployments = upstreams.map((upstream) => `      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }`).join("\n");
  const yaml = `server: { shutdown_grace_ms: 500 }\nauth: { mode: keys, admin_key: "${adminKey}" }\nmodels:\n  - name: story\n${model}    deployments:\n${deployments}\n`;
  const gateway = await startClockedGateway(yaml, clock);
  open.unshift(gateway);
  return gateway;
}

async function upstream(): Promise<FakeUpstream> {
  const started = await startFakeUpstream();
  open.push(started);
  return started;
}

async function call(gateway: RunningGateway, method: string, path: string, body?: unknown, key: string | null = adminKey): Promise<Answer> {
  const response = await request(`${gateway.url}${path}`, {
    method: method as "GET",
    headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

const inject = async (gateway: RunningGateway, fault: Record<string, unknown>): Promise<{ id: string }> => {
  const answer = await call(gateway, "POST", "/admin/faults", { duration_s: 60, ...fault });
  expect(answer.status, answer.text).toBe(201);
  return JSON.parse(answer.text) as { id: string };
};

/** A chat request with a virtual key (the admin key is not an API key). */
async function chat(gateway: RunningGateway, key: string, stream = false): Promise<Answer> {
  return call(gateway, "POST", "/v1/chat/completions", { model: "story", messages: [{ role: "user", content: "hi" }], ...(stream ? { stream: true } : {}) }, key);
}

async function apiKey(gateway: RunningGateway): Promise<string> {
  const created = await call(gateway, "POST", "/admin/keys", { name: "drill-client" });
  return (JSON.parse(created.text) as { key: string }).key;
}

/** Resolves `promise` while recording whether it has settled, so a test can check it waits on the fake clock. */
function track<T>(promise: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let settled = false;
  return { done: () => settled, promise: promise.finally(() => (settled = true)) };
}

describe("fault drills through the admin API", () => {
  it("latency holds each attempt back until the clock has moved by it", async () => {
    const clock = createFakeClock();
    const gateway = await gatewayOver([await upstream()], clock);
    const key = await apiKey(gateway);
    await inject(gateway, { deployment: "story/0", kind: "latency", latency_ms: 5000 });
    const scheduled = clock.scheduled();
    const pending = track(chat(gateway, key));
    await scheduled;
    clock.advance(4999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pending.done()).toBe(false);
    clock.advance(1);
    expect((await pending.promise).status).toBe(200);
  });

  it("an error rate of 1 fails every attempt with the status asked for, without calling the upstream; a 429 keeps its Retry-After", async () => {
    const clock = createFakeClock();
    const fake = await upstream();
    const gateway = await gatewayOver([fake], clock);
    const key = await apiKey(gateway);
    const fault = await inject(gateway, { model: "story", kind: "error", status: 503 });
    const failed = await chat(gateway, key);
    // An upstream 503 stays a 503 (upstream_unavailable), as from a real upstream.
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.text)).toMatchObject({ error: { code: "upstream_unavailable" } });
    expect((await call(gateway, "DELETE", `/admin/faults/${fault.id}`)).status).toBe(200);
    await inject(gateway, { deployment: "story/0", kind: "error", status: 429, retry_after_s: 7 });
    const limited = await chat(gateway, key);
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBe("7");
    expect(fake.calls.filter((recorded) => recorded.path === "/v1/chat/completions")).toHaveLength(0);
  });

  it("a hang sends no first byte until the deployment's first-byte timeout, then fails the attempt as a timeout", async () => {
    const clock = createFakeClock();
    const gateway = await gatewayOver([await upstream()], clock, "    timeouts: { first_byte_ms: 3000 }\n");
    const key = await apiKey(gateway);
    await inject(gateway, { deployment: "story/0", kind: "hang" });
    const scheduled = clock.scheduled();
    const pending = track(chat(gateway, key));
    await scheduled;
    clock.advance(2999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pending.done()).toBe(false);
    clock.advance(1);
    const answer = await pending.promise;
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: "upstream_timeout" } });
  });

  it("resets before the first byte fail the attempt; a reset after N chunks cuts the stream after N events", async () => {
    const clock = createFakeClock();
    const gateway = await gatewayOver([await upstream()], clock);
    const key = await apiKey(gateway);
    const before = await inject(gateway, { deployment: "story/0", kind: "reset" });
    const refused = await chat(gateway, key);
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { code: "upstream_unreachable" } });
    await call(gateway, "DELETE", `/admin/faults/${before.id}`);
    await inject(gateway, { deployment: "story/0", kind: "reset", after_chunks: 3 });
    const cut = await chat(gateway, key, true);
    expect(cut.status).toBe(200);
    const events = cut.text.split("\n\n").filter((event) => event.startsWith("data: "));
    expect(events.filter((event) => event.includes('"chat.completion.chunk"'))).toHaveLength(3);
    expect(events.at(-1)).toContain("upstream_unreachable");
    expect(cut.text).not.toContain("[DONE]");
  });

  it("a deployment marked down takes no traffic while its sibling answers everything", async () => {
    const clock = createFakeClock();
    const [first, second] = [await upstream(), await upstream()];
    const gateway = await gatewayOver([first, second], clock);
    const key = await apiKey(gateway);
    await inject(gateway, { deployment: "story/0", kind: "down" });
    const answers = await Promise.all(Array.from({ length: 6 }, () => chat(gateway, key)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
    expect(answers.map((answer) => answer.headers["x-gantry-deployment"])).toEqual(Array(6).fill("story/1"));
    expect(first.calls.filter((recorded) => recorded.path === "/v1/chat/completions")).toHaveLength(0);
  });

  it("faults expire on the clock by themselves", async () => {
    const clock = createFakeClock();
    const gateway = await gatewayOver([await upstream()], clock);
    const key = await apiKey(gateway);
    await inject(gateway, { deployment: "story/0", kind: "error", duration_s: 10 });
    expect((await chat(gateway, key)).status).toBe(503);
    expect(JSON.parse((await call(gateway, "GET", "/admin/faults")).text).data).toHaveLength(1);
    clock.advance(10_000);
    expect((await chat(gateway, key)).status).toBe(200);
    expect(JSON.parse((await call(gateway, "GET", "/admin/faults")).text).data).toEqual([]);
  });

  it("needs the admin credential, validates with paths and bounds, and audits every injection and clearing", async () => {
    const clock = createFakeClock();
    const gateway = await gatewayOver([await upstream()], clock);
    const fault = { deployment: "story/0", kind: "latency", latency_ms: 10, duration_s: 5 };
    expect((await call(gateway, "POST", "/admin/faults", fault, null)).status).toBe(401);
    expect((await call(gateway, "POST", "/admin/faults", fault, "wrong-key")).status).toBe(403);
    expect((await call(gateway, "GET", "/admin/faults", undefined, null)).status).toBe(401);
    expect((await call(gateway, "DELETE", "/admin/faults/flt_x", undefined, null)).status).toBe(401);

    const tooLong = await call(gateway, "POST", "/admin/faults", { ...fault, duration_s: 601 });
    expect(tooLong.status).toBe(400);
    expect(JSON.parse(tooLong.text)).toMatchObject({ error: { param: "duration_s" } });
    expect((await call(gateway, "POST", "/admin/faults", { ...fault, model: "story" })).status).toBe(400);
    expect((await call(gateway, "POST", "/admin/faults", { ...fault, surprise: 1 })).status).toBe(400);
    expect((await call(gateway, "POST", "/admin/faults", { ...fault, deployment: "story/9" })).status).toBe(404);
    expect((await call(gateway, "DELETE", "/admin/faults/flt_missing")).status).toBe(404);

    const created = await call(gateway, "POST", "/admin/faults", fault);
    expect(created.status).toBe(201);
    const { id, expires_at: expiresAt } = JSON.parse(created.text) as { id: string; expires_at: string };
    expect(Date.parse(expiresAt)).toBe(clock.now() + 5000);
    const redis = await inject(gateway, { kind: "redis_down" });
    expect((await call(gateway, "DELETE", `/admin/faults/${id}`)).status).toBe(200);
    const audit = JSON.parse((await call(gateway, "GET", "/admin/audit")).text) as { data: { action: string; target?: string; actor: string }[] };
    expect(audit.data.map((entry) => [entry.action, entry.target])).toEqual([
      ["fault.inject", id],
      ["fault.inject", redis.id],
      ["fault.clear", id],
    ]);
    expect(audit.data.every((entry) => entry.actor.startsWith("admin-key@"))).toBe(true);
  });
});

describe("a simulated Redis outage", () => {
  it("fails every command of every connection as if Redis were unreachable, until its end on the clock", async () => {
    const redis = await startRedis();
    const connections = createRedisConnections(pino({ level: "silent" }));
    open.push({ close: () => connections.close().then(() => redis.stop()) });
    const clock = createFakeClock();
    const state = connections.forState(redis.url);
    expect(await state.set("drill", "1")).toBe("OK");
    connections.simulateDown(clock.now() + 1000, clock.now);
    // Callers see what a real outage gives them: 503 dependency_unavailable, with the simulated cause.
    const unavailable = { code: "dependency_unavailable", cause: expect.objectContaining({ message: expect.stringMatching(/Connection is closed/) }) };
    await expect(state.get("drill")).rejects.toMatchObject(unavailable);
    const piped = await state.pipeline().get("drill").exec();
    expect(piped?.[0]?.[0]).toMatchObject(unavailable);
    await expect(connections.forCache(redis.url).get("drill")).rejects.toMatchObject(unavailable);
    clock.advance(1000);
    expect(await state.get("drill")).toBe("1");
  });

  it("fails a pipeline whole when the outage ends between its commands, so later replies still settle their own commands", async () => {
    const redis = await startRedis();
    const connections = createRedisConnections(pino({ level: "silent" }));
    open.push({ close: () => connections.close().then(() => redis.stop()) });
    const state = connections.forState(redis.url);
    expect(await state.set("drill", "1")).toBe("OK");
    // The clock reads 999 for the pipeline's first command and 1000, the outage's end, from then on.
    let reads = 0;
    connections.simulateDown(1000, () => (reads++ === 0 ? 999 : 1000));
    const piped = await state.pipeline().get("drill").echo("x").exec();
    expect(piped?.map(([error]) => (error instanceof GatewayError ? error.code : error))).toEqual(["dependency_unavailable", "dependency_unavailable"]);
    expect(await Promise.all([state.echo("a"), state.get("drill"), state.echo("b")])).toEqual(["a", "1", "b"]);
  });
});

const scenarioYaml = `name: small
steps:
  - name: healthy
    duration_s: 1
    traffic: { model: story, rate: 5, max_tokens: 4 }
    expect: { max_error_rate: 0, answered_by: [story/0], fallback: false }
  - name: upstream 503
    duration_s: 1
    faults: [{ deployment: story/0, kind: error, status: 503 }]
    traffic: { model: story, rate: 5, max_tokens: 4, stream: true }
    expect: { max_error_rate: 0.1 }
`;

describe("gantry drill run", () => {
  it("plays a scenario with its own traffic and gives one verdict per step: a pass and a fail", async () => {
    const clock = createFakeClock();
    const fake = await upstream();
    const gateway = await gatewayOver([fake], clock);
    const admin = createFaultAdminClient(gateway.url, adminKey);
    const report = await runDrill(parseDrillScenario(scenarioYaml, "small.yaml"), { url: gateway.url, admin, apiKey: await apiKey(gateway) });
    const [healthy, failing] = report.steps;
    expect(healthy).toMatchObject({ name: "healthy", pass: true, failures: [], observation: { requests: 5, errors: {}, answeredBy: { "story/0": 5 }, fallbacks: 0 } });
    expect(failing).toMatchObject({ name: "upstream 503", pass: false, faults: ["503 on story/0"], observation: { requests: 5, errors: { upstream_unavailable: 5 }, answeredBy: {} } });
    expect(failing?.failures).toEqual(["error rate 100% > 10%"]);
    expect(report.pass).toBe(false);
    expect(await admin.list()).toEqual([]);
    const table = formatDrillReport(report);
    expect(table).toMatch(/healthy\s+-\s+5\s+0\s.*story\/0 5\s+PASS/);
    expect(table).toMatch(/upstream 503\s+503 on story\/0\s+5\s+5 \(upstream_unavailable 5\).*FAIL/);
    expect(table).toContain("FAIL: 1 of 2 steps held their SLOs");

    const file = join(mkdtempSync(join(tmpdir(), "gantry-drill-")), "small.yaml");
    writeFileSync(file, scenarioYaml.replace("max_error_rate: 0.1", "max_error_rate: 1"));
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string | Uint8Array): boolean => written.push(String(chunk)) > 0;
    try {
      expect(await drill(["run", file, "--url", gateway.url, "--admin-key", adminKey, "--api-key", await apiKey(gateway), "--json"])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(JSON.parse(written.join(""))).toMatchObject({ scenario: "small", pass: true, steps: [{ pass: true }, { pass: true }] });
  });

  it("refuses a scenario that does not fit the schema, naming every problem by its path", () => {
    const bad = "name: x\nsteps:\n  - name: a\n    duration_s: 700\n    traffic: { model: m, rate: 1, surprise: 1 }\n    faults: [{ kind: latency, deployment: m/0 }]\n";
    expect(() => parseDrillScenario(bad, "bad.yaml")).toThrow(DrillScenarioError);
    try {
      parseDrillScenario(bad, "bad.yaml");
    } catch (error) {
      const problems = (error as DrillScenarioError).problems.join("\n");
      expect(problems).toContain("steps[0].duration_s");
      expect(problems).toContain("steps[0].traffic");
      expect(problems).toContain("steps[0].faults[0].latency_ms");
    }
  });
});
