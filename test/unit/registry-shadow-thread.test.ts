import { afterEach, describe, expect, it } from "vitest";
import { deploymentSchema } from "../../src/providers/deployment-config-schema.js";
import type { ShadowJob } from "../../src/registry/shadow-job.js";
import { createShadowThread, type ShadowTarget } from "../../src/registry/shadow-thread.js";
import { routingSchema } from "../../src/routing/routing-config-schema.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function upstream(): Promise<FakeUpstream> {
  const started = await startFakeUpstream({ record: true });
  cleanups.push(() => started.close());
  return started;
}

const target = (key: string, baseUrl: string): ShadowTarget => ({
  key,
  model: "story",
  deployments: [deploymentSchema.parse({ provider: "openai-compatible", base_url: baseUrl, upstream_model: "tiny-2" })],
  routing: routingSchema.parse({}),
  retry: undefined,
  breaker: undefined,
  timeouts: undefined,
  globalTimeouts: {},
});

const job = (reference: string, timeoutMs = 10_000): ShadowJob => ({
  operation: "chat",
  body: { model: "story", messages: [{ role: "user", content: "hello" }] },
  reference,
  scoring: { scorer: "similarity", threshold: 0.8, judge_model: undefined, timeout_ms: timeoutMs },
  requestId: "req-1-shadow",
});

describe("the shadow thread", () => {
  it("calls the candidate's own deployment on its thread and scores the answer against the primary's", async () => {
    const candidate = await upstream();
    candidate.defaultBehavior = { kind: "ok", text: "Paris is the capital." };
    const thread = createShadowThread();
    cleanups.push(() => thread.close());
    const agreeing = await thread.run(target("v2", candidate.baseUrl), job("Paris is the capital."));
    expect(agreeing).toMatchObject({ output: "Paris is the capital.", score: 1, agree: true, error: null });
    expect(agreeing.usage?.total_tokens).toBeGreaterThan(0);
    const differing = await thread.run(target("v2", candidate.baseUrl), job("Lima is the capital of Peru, far away."));
    expect(differing.agree).toBe(false);
    expect(differing.score).toBeLessThan(0.8);
    const calls = candidate.calls.filter((call) => call.path === "/v1/chat/completions");
    expect(calls).toHaveLength(2);
    expect(calls[0]?.body?.["model"]).toBe("tiny-2");
  }, 30_000);

  it("rebuilds a version it dropped to stay within its bound of versions", async () => {
    const candidate = await upstream();
    candidate.defaultBehavior = { kind: "ok", text: "same" };
    const thread = createShadowThread();
    cleanups.push(() => thread.close());
    const outcomes = await Promise.all(Array.from({ length: 70 }, (_, index) => thread.run(target(`v${index}`, candidate.baseUrl), job("same"))));
    expect(outcomes.every((outcome) => outcome.agree === true)).toBe(true);
    expect(await thread.run(target("v0", candidate.baseUrl), job("same"))).toMatchObject({ output: "same", agree: true, error: null });
  }, 30_000);

  it("reports a failed call as an error outcome, and a version it cannot build as one too", async () => {
    const candidate = await upstream();
    candidate.defaultBehavior = { kind: "status", status: 400, body: JSON.stringify({ error: { message: "no such model" } }) };
    const thread = createShadowThread();
    cleanups.push(() => thread.close());
    const refused = await thread.run(target("v2", candidate.baseUrl), job("x"));
    expect(refused).toMatchObject({ output: null, score: null, agree: null });
    expect(refused.error).toMatch(/\S/);
    const unbuildable = await thread.run({ ...target("v3", candidate.baseUrl), routing: { ...routingSchema.parse({}), strategy: "no-such-strategy" as "round-robin" } }, job("x"));
    expect(unbuildable.error).toMatch(/\S/);
  }, 30_000);

  it("ends jobs in flight with an error outcome when closed, and refuses new ones", async () => {
    const candidate = await upstream();
    candidate.defaultBehavior = { kind: "hang" };
    const thread = createShadowThread();
    const pending = thread.run(target("v2", candidate.baseUrl), job("x"));
    await expect.poll(() => candidate.openRequests(), { timeout: 10_000 }).toBe(1);
    await thread.close();
    expect((await pending).error).toBe("shadow traffic stopped");
    expect((await thread.run(target("v2", candidate.baseUrl), job("x"))).error).toBe("shadow traffic stopped");
  }, 30_000);
});
