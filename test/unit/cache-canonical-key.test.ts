import { describe, expect, it } from "vitest";
import { cacheKey, canonicalRequest, isDeterministic, stableStringify } from "../../src/cache/canonical-request.js";
import { cacheDirectives } from "../../src/cache/cache-control.js";

const base = { model: "story", messages: [{ role: "user", content: "hi" }], temperature: 0 };
const key = (body: Record<string, unknown>, partition = "anonymous", operation: "chat" | "completion" = "chat"): string => cacheKey(partition, operation, body as typeof base);

describe("cache key canonicalisation", () => {
  it("ignores key order at every depth", () => {
    const reordered = { temperature: 0, messages: [{ content: "hi", role: "user" }], model: "story" };
    expect(key(reordered)).toBe(key(base));
    expect(stableStringify({ b: { d: 1, c: [2, { f: 1, e: 2 }] }, a: null })).toBe('{"a":null,"b":{"c":[2,{"e":2,"f":1}],"d":1}}');
  });

  it("applies defaults and drops nulls, so spelled-out defaults hit the same entry", () => {
    expect(key({ ...base, top_p: 1, n: 1, presence_penalty: 0, frequency_penalty: 0, logprobs: false, seed: null })).toBe(key(base));
    expect(key({ model: "story", messages: base.messages, temperature: 1 })).toBe(key({ model: "story", messages: base.messages }));
  });

  it("leaves out stream framing: a streamed and a JSON request share an entry", () => {
    expect(key({ ...base, stream: true, stream_options: { include_usage: true } })).toBe(key(base));
  });

  it.each([
    ["model", { model: "other" }],
    ["messages", { messages: [{ role: "user", content: "hello" }] }],
    ["message order", { messages: [{ role: "system", content: "s" }, { role: "user", content: "hi" }] }],
    ["temperature", { temperature: 0.5 }],
    ["top_p", { top_p: 0.9 }],
    ["seed", { seed: 7 }],
    ["max_tokens", { max_tokens: 5 }],
    ["max_completion_tokens", { max_completion_tokens: 5 }],
    ["stop", { stop: ["\n"] }],
    ["response_format", { response_format: { type: "json_object" } }],
    ["n", { n: 2 }],
    ["presence_penalty", { presence_penalty: 0.5 }],
    ["frequency_penalty", { frequency_penalty: 0.5 }],
    ["logit_bias", { logit_bias: { "50256": -100 } }],
    ["logprobs", { logprobs: true }],
    ["tools", { tools: [{ type: "function", function: { name: "f", parameters: {} } }] }],
    ["tool_choice", { tool_choice: "none" }],
    ["vendor extra top_k", { top_k: 40 }],
    ["user", { user: "u1" }],
  ])("changes with %s", (_name, change) => {
    expect(key({ ...base, ...change })).not.toBe(key(base));
  });

  it("changes with the operation and the partition", () => {
    expect(key(base, "anonymous", "completion")).not.toBe(key(base));
    expect(key(base, "team:a")).not.toBe(key(base, "team:b"));
  });

  it("is a sha256 hex digest", () => {
    expect(key(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalRequest("chat", base)).toBe('chat:{"messages":[{"content":"hi","role":"user"}],"model":"story","temperature":0}');
  });

  it("treats temperature 0 or a seed as deterministic", () => {
    expect(isDeterministic("chat", base)).toBe(true);
    expect(isDeterministic("chat", { model: "m", seed: 1 })).toBe(true);
    expect(isDeterministic("chat", { model: "m" })).toBe(false);
    expect(isDeterministic("chat", { model: "m", temperature: 0.7 })).toBe(false);
    expect(isDeterministic("embedding", { model: "m" })).toBe(true);
  });
});

describe("cache directives from request headers", () => {
  it.each([
    [{}, { lookup: true, store: true }],
    [{ "cache-control": "no-cache" }, { lookup: false, store: true }],
    [{ "cache-control": "max-age=0, no-store" }, { lookup: false, store: false }],
    [{ "x-gantry-cache": "bypass" }, { lookup: false, store: false }],
    [{ "x-gantry-cache": "refresh" }, { lookup: false, store: true }],
    [{ "x-gantry-cache": "refresh", "cache-control": "no-store" }, { lookup: false, store: false }],
  ])("%j → %j", (headers, expected) => {
    expect(cacheDirectives(headers)).toEqual(expected);
  });
});
