import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { createCacheStage } from "../../src/cache/cache-stage.js";
import { cacheSchema, modelCacheSchema } from "../../src/cache/cache-config-schema.js";
import { createMemoryCacheStore } from "../../src/cache/memory-cache-store.js";
import type { Principal } from "../../src/pipeline/principal.js";
import type { RequestContext } from "../../src/pipeline/request-context.js";
import type { Answer, AnswerSource, PipelineRequest } from "../../src/pipeline/answer.js";
import type { ModelConfig } from "../../src/config/schema.js";

function contextFor(principal?: Principal, headers: Record<string, string> = {}): RequestContext {
  return {
    id: "test",
    request: { headers } as unknown as IncomingMessage,
    response: {} as unknown as ServerResponse,
    signal: new AbortController().signal,
    startedAt: 0,
    facts: {},
    params: {},
    ...(principal === undefined ? {} : { principal }),
  };
}

function setup(cache: Record<string, unknown>, now: () => number = Date.now): { stage: ReturnType<typeof createCacheStage>; source: AnswerSource; calls: () => number } {
  let count = 0;
  const source: AnswerSource = (request) => {
    count++;
    const answer: Answer = { kind: "json", result: { body: { id: `r${count}`, object: "chat.completion", created: 0, model: request.body.model, choices: [{ index: 0, message: { role: "assistant", content: `answer ${count}` }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } } }, headers: { "x-gantry-model": "story" } };
    return Promise.resolve(answer);
  };
  const models = [{ name: "story", cache: modelCacheSchema.parse(cache) } as unknown as ModelConfig];
  const config = { cache: cacheSchema.parse({ ttl_seconds: 10 }), models };
  const stage = createCacheStage({ config, store: createMemoryCacheStore({ maxEntries: 100, maxBytes: 1e6, now }) });
  return { stage, source, calls: () => count };
}

const request: PipelineRequest = { operation: "chat", body: { model: "story", messages: [{ role: "user", content: "hi" }], temperature: 0 } };
const alice: Principal = { id: "k1", name: "alice", team: "red" };
const bob: Principal = { id: "k2", name: "bob", team: "blue" };
const carol: Principal = { id: "k3", name: "carol", team: "red" };

async function content(answer: Answer): Promise<string> {
  if (answer.kind !== "json") throw new Error("expected JSON");
  const choices = answer.result.body["choices"] as Array<{ message: { content: string } }>;
  return Promise.resolve(choices[0]?.message.content ?? "");
}

describe("the cache stage", () => {
  it("partitions entries by tenant: another team never sees a team's answer, the same team does", async () => {
    const { stage, source, calls } = setup({ mode: "exact" });
    expect(await content(await stage.run(contextFor(alice), request, source))).toBe("answer 1");
    const forBob = contextFor(bob);
    expect(await content(await stage.run(forBob, request, source))).toBe("answer 2");
    expect(forBob.facts.cache).toBe("miss");
    const forCarol = contextFor(carol);
    expect(await content(await stage.run(forCarol, request, source))).toBe("answer 1");
    expect(forCarol.facts).toMatchObject({ cache: "hit" });
    expect(await content(await stage.run(contextFor(), request, source))).toBe("answer 3");
    expect(calls()).toBe(3);
  });

  it("shares entries across tenants when the model is configured shared: true", async () => {
    const { stage, source, calls } = setup({ mode: "exact", shared: true });
    await stage.run(contextFor(alice), request, source);
    const hit = await stage.run(contextFor(bob), request, source);
    expect(hit.headers["x-gantry-cache"]).toBe("hit");
    expect(calls()).toBe(1);
  });

  it("expires entries after ttl_seconds on the injected clock", async () => {
    // Not from 0: lru-cache reads a start time of 0 as "no TTL", and no real clock reads 0.
    let now = 5_000;
    const { stage, source, calls } = setup({ mode: "exact" }, () => now);
    await stage.run(contextFor(), request, source);
    now = 14_999;
    expect((await stage.run(contextFor(), request, source)).headers["x-gantry-cache"]).toBe("hit");
    now = 15_000;
    expect((await stage.run(contextFor(), request, source)).headers["x-gantry-cache"]).toBe("miss");
    expect(calls()).toBe(2);
  });

  it("caches non-deterministic requests only when the model says so", async () => {
    const random: PipelineRequest = { operation: "chat", body: { model: "story", messages: [{ role: "user", content: "hi" }] } };
    const strict = setup({ mode: "exact" });
    await strict.stage.run(contextFor(), random, strict.source);
    expect((await strict.stage.run(contextFor(), random, strict.source)).headers["x-gantry-cache"]).toBe("bypass");
    const loose = setup({ mode: "exact", nondeterministic: true });
    await loose.stage.run(contextFor(), random, loose.source);
    expect((await loose.stage.run(contextFor(), random, loose.source)).headers["x-gantry-cache"]).toBe("hit");
  });

  it("sets cached_tokens to the prompt tokens on a hit", async () => {
    const { stage, source } = setup({ mode: "exact" });
    await stage.run(contextFor(), request, source);
    const hit = await stage.run(contextFor(), request, source);
    expect(hit.kind === "json" ? hit.result.usage : undefined).toMatchObject({ prompt_tokens: 3, prompt_tokens_details: { cached_tokens: 3 } });
  });
});
