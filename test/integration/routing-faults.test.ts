import { afterEach, describe, expect, it } from "vitest";
import { request } from "undici";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { startClockedGateway, startTestGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

/** Generation requests only: health checks (on by default with two upstreams) add GETs. */
const posts = (replica: FakeUpstream): number => replica.calls.filter((call) => call.method === "POST").length;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function upstreams(count: number): Promise<FakeUpstream[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startFakeUpstream()));
  open.push(...started);
  return started;
}

/** A gateway with one model `chat` over the given upstreams; `model` is extra YAML for the model entry; `clock` its time. */
async function gatewayFor(replicas: FakeUpstream[], model: string, clock?: FakeClock): Promise<RunningGateway> {
  const deployments = replicas.map((replica) => `      - { provider: openai-compatible, base_url: "${replica.baseUrl}", upstream_model: tiny }`).join("\n");
  // No registry: its change poll would share the fake clock whose pending timers these tests count.
  const yaml = `registry: { enabled: false }\nmodels:\n  - name: chat\n${model}\n    deployments:\n${deployments}\n`;
  const gateway = clock === undefined ? await startTestGateway(yaml) : await startClockedGateway(yaml, clock);
  open.unshift(gateway);
  return gateway;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function chat(gateway: RunningGateway, options: { stream?: boolean; messages?: unknown[]; headers?: Record<string, string> } = {}): Promise<Answer> {
  const body = { model: "chat", messages: options.messages ?? [{ role: "user", content: "hi" }], ...(options.stream === true ? { stream: true } : {}) };
  const response = await request(`${gateway.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...options.headers } });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

async function many(count: number, concurrency: number, one: (index: number) => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) answers.push(await one(next++));
    }),
  );
  return answers;
}

const fastRetry = "    retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 2000 }";

describe("fault injection across replicas", () => {
  it("a replica returning 503s: clients see no error, traffic moves away once it is ejected", async () => {
    const [bad, good1, good2] = await upstreams(3);
    bad!.defaultBehavior = { kind: "status", status: 503 };
    const gateway = await gatewayFor([bad!, good1!, good2!], `${fastRetry}\n    breaker: { consecutive_failures: 3, cooldown_ms: 60000 }`);
    const answers = await many(30, 3, () => chat(gateway));
    expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(200));
    // Ejected after 2 failures in a row (routing.ejection), before its breaker (3) would open.
    expect(posts(bad!)).toBe(2);
    expect(posts(good1!) + posts(good2!)).toBe(30);
    expect(answers.some((answer) => answer.headers["x-gantry-attempts"] === "2")).toBe(true);
    expect(answers.every((answer) => answer.headers["x-gantry-model"] === "chat" && answer.headers["x-gantry-fallback"] === "false")).toBe(true);
  });

  it("a hanging replica: the first-byte timeout fires and the request is retried elsewhere", async () => {
    const [hung, good] = await upstreams(2);
    hung!.defaultBehavior = { kind: "hang" };
    const gateway = await gatewayFor([hung!, good!], `${fastRetry}\n    timeouts: { first_byte_ms: 200 }`);
    const answer = await chat(gateway);
    expect(answer.status).toBe(200);
    expect(answer.headers["x-gantry-attempts"]).toBe("2");
    expect(answer.headers["x-gantry-deployment"]).toBe("chat/1");
    expect(posts(hung!)).toBe(1);
  });

  it("a reset mid-stream: the client gets an SSE error event and nothing is retried after the first byte", async () => {
    const [cut, other] = await upstreams(2);
    cut!.defaultBehavior = { kind: "reset-mid-stream", afterChunks: 2, chunkDelayMs: 20 };
    const gateway = await gatewayFor([cut!, other!], fastRetry);
    const answer = await chat(gateway, { stream: true });
    expect(answer.status).toBe(200);
    expect(answer.headers["x-gantry-deployment"]).toBe("chat/0");
    expect(answer.text).toContain('"code":"upstream_unreachable"');
    expect(answer.text).not.toContain("[DONE]");
    expect(posts(other!)).toBe(0);
  });

  it("a failure before the first streamed part is retried on another replica", async () => {
    const [bad, good] = await upstreams(2);
    bad!.defaultBehavior = { kind: "status", status: 500 };
    const gateway = await gatewayFor([bad!, good!], fastRetry);
    const answer = await chat(gateway, { stream: true });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("[DONE]");
    expect(answer.headers["x-gantry-attempts"]).toBe("2");
  });

  it.each(["least-outstanding", "latency"])("a slow replica gets little traffic under %s", async (strategy) => {
    const [slow, fast1, fast2] = await upstreams(3);
    slow!.defaultBehavior = { kind: "ok", delayMs: 250 };
    const gateway = await gatewayFor([slow!, fast1!, fast2!], `    routing: { strategy: ${strategy} }`);
    const answers = await many(60, 6, () => chat(gateway));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    // Round-robin would send it 20.
    expect(posts(slow!)).toBeLessThan(10);
  });

  it("429 with Retry-After: waits exactly that long before retrying the only replica", async () => {
    const [limited] = await upstreams(1);
    limited!.enqueue({ kind: "status", status: 429, headers: { "retry-after": "1" } });
    const clock = createFakeClock();
    const gateway = await gatewayFor([limited!], "    retry: { max_attempts: 2, base_delay_ms: 1, max_delay_ms: 1500 }", clock);
    const waiting = clock.scheduled();
    const answered = chat(gateway);
    await waiting;
    expect(posts(limited!)).toBe(1);
    // Still waiting a millisecond before the Retry-After has passed; the retry goes once it has.
    clock.advance(999);
    expect(clock.pending()).toBe(1);
    clock.advance(1);
    expect(clock.pending()).toBe(0);
    const answer = await answered;
    expect(answer.status).toBe(200);
    expect(answer.headers["x-gantry-attempts"]).toBe("2");
    expect(posts(limited!)).toBe(2);
  });

  it("429 with a Retry-After longer than the wait allowed: gives up at once and returns the 429", async () => {
    const [limited] = await upstreams(1);
    limited!.enqueue({ kind: "status", status: 429, headers: { "retry-after": "7" } });
    const clock = createFakeClock();
    const gateway = await gatewayFor([limited!], "    retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 1500 }", clock);
    let waited = false;
    void clock.scheduled().then(() => (waited = true));
    // The fake clock never moves here, so a wait of any length would never end: answering at all proves there was none.
    const answer = await chat(gateway);
    expect(answer.status).toBe(429);
    expect(answer.headers["retry-after"]).toBe("7");
    expect(answer.headers["x-gantry-attempts"]).toBe("1");
    expect(waited).toBe(false);
    expect(posts(limited!)).toBe(1);
  });

  it("429 on one replica: retried on another one at once", async () => {
    const [limited, free] = await upstreams(2);
    limited!.enqueue({ kind: "status", status: 429, headers: { "retry-after": "30" } });
    const gateway = await gatewayFor([limited!, free!], fastRetry);
    const answer = await chat(gateway);
    expect([answer.status, answer.headers["x-gantry-deployment"]]).toEqual([200, "chat/1"]);
  });

  it("the retry budget caps upstream calls under a total outage", async () => {
    const replicas = await upstreams(2);
    for (const replica of replicas) replica.defaultBehavior = { kind: "status", status: 503 };
    const gateway = await gatewayFor(replicas, "    retry: { max_attempts: 3, base_delay_ms: 0, budget_ratio: 0.2, budget_min_retries: 3 }\n    breaker: { enabled: false }");
    const answers = await many(100, 10, () => chat(gateway));
    expect(answers.every((answer) => answer.status === 503)).toBe(true);
    const calls = replicas.reduce((sum, replica) => sum + posts(replica), 0);
    // Without a budget this would be 300.
    expect(calls).toBeGreaterThanOrEqual(100);
    expect(calls).toBeLessThanOrEqual(100 + 20 + 3);
  });

  it("all deployments open: fails fast with 503 no_deployment_available", async () => {
    const [only, second] = await upstreams(2);
    only!.defaultBehavior = { kind: "status", status: 503 };
    second!.defaultBehavior = { kind: "status", status: 503 };
    const gateway = await gatewayFor([only!, second!], "    retry: { max_attempts: 2, base_delay_ms: 0 }\n    breaker: { consecutive_failures: 1, cooldown_ms: 60000 }");
    await chat(gateway);
    const answer = await chat(gateway);
    expect(answer.status).toBe(503);
    expect(answer.text).toContain("no_deployment_available");
    expect(answer.headers["x-gantry-attempts"]).toBe("0");
    expect(posts(only!) + posts(second!)).toBe(2);
  });

  it("prefix affinity sends a conversation's follow-up turns to the same replica", async () => {
    const replicas = await upstreams(3);
    const gateway = await gatewayFor(replicas, "    routing: { strategy: prefix-affinity }");
    for (let conversation = 0; conversation < 6; conversation++) {
      const turns: unknown[] = [{ role: "system", content: "be brief" }, { role: "user", content: `question ${conversation}` }];
      const homes = new Set<unknown>();
      for (let turn = 0; turn < 3; turn++) {
        const answer = await chat(gateway, { messages: turns });
        homes.add(answer.headers["x-gantry-deployment"]);
        turns.push({ role: "assistant", content: "ok" }, { role: "user", content: `follow-up ${turn}` });
      }
      expect(homes.size).toBe(1);
    }
  });

  it("session stickiness keeps one x-session-id on one replica", async () => {
    const replicas = await upstreams(3);
    const gateway = await gatewayFor(replicas, "    routing: { strategy: session }");
    const placements = new Set<string>();
    for (const session of ["s1", "s2", "s3", "s4", "s5"]) {
      const homes = new Set<unknown>();
      for (let index = 0; index < 4; index++) homes.add((await chat(gateway, { headers: { "x-session-id": session } })).headers["x-gantry-deployment"]);
      expect(homes.size).toBe(1);
      placements.add(String([...homes][0]));
    }
    expect(placements.size).toBeGreaterThan(1);
  });

  it("weighted round-robin splits traffic by weight", async () => {
    const replicas = await upstreams(2);
    const deployments = replicas.map((replica, index) => `      - { provider: openai-compatible, base_url: "${replica.baseUrl}", weight: ${index === 0 ? 3 : 1} }`).join("\n");
    const gateway = await startTestGateway(`models:\n  - name: chat\n    deployments:\n${deployments}\n`);
    open.unshift(gateway);
    await many(40, 4, () => chat(gateway));
    expect(replicas.map((replica) => posts(replica))).toEqual([30, 10]);
  });
});
