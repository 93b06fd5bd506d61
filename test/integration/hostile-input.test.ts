import { Readable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

// A corpus different from fuzz.test.ts (which mutates valid requests field by field): bodies at and past every
// element limit, values of every JSON type in every field, numbers and strings that look like numbers, unicode
// edge cases at the byte level, duplicate and prototype keys, giant strings, abusive headers, declared encodings
// and chunked large bodies. Every answer must be below 500, the gateway must stay up, and memory must come back.

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let upstream: FakeUpstream;
let gateway: RunningGateway;
const agent = new Agent({ connections: 12 });

beforeAll(async () => {
  upstream = await startFakeUpstream({ record: false });
  // Two large-body slots and two places in line, so the concurrent large bodies of the corpus both wait for a slot,
  // unread, and meet 429 server_busy (with Connection: close) when the line is full.
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl], "server: { max_concurrent_large_bodies: 2, max_waiting_large_bodies: 2 }").replace("server: { shutdown_grace_ms: 2000 }\n", ""));
});
afterAll(async () => {
  await agent.close();
  await gateway.close();
  await upstream.close();
});

/** xorshift32: a seeded PRNG, so every run sends the same corpus. */
function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

interface HostileCase {
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer | (() => Readable);
  /** When set, the answer must carry this error code (and param, when given). */
  expect?: { code: string; param?: string };
}

const json = { "content-type": "application/json" };
const chat = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ model: "story", messages: [{ role: "user", content: "hi" }], ...extra });
const repeatJoin = (item: string, count: number): string => Array.from({ length: count }, () => item).join(",");

// Large templates are built once; the corpus reuses them.
const manyMessages = `{"model":"story","messages":[${repeatJoin('{"role":"user","content":"x"}', 10_001)}]}`;
const manyParts = `{"model":"story","messages":[{"role":"user","content":[${repeatJoin('{"type":"text","text":"x"}', 1_025)}]}]}`;
const manyTools = JSON.stringify(chat({ tools: Array.from({ length: 129 }, (_, index) => ({ type: "function", function: { name: `f${index}` } })) }));
const manyStops = JSON.stringify(chat({ stop: Array.from({ length: 17 }, (_, index) => `s${index}`) }));
const manyBias = JSON.stringify(chat({ logit_bias: Object.fromEntries(Array.from({ length: 1_025 }, (_, index) => [String(index), 1])) }));
const manyTokenIds = `{"model":"story","prompt":[${repeatJoin("1", 262_145)}]}`;
const manyPrompts = JSON.stringify({ model: "story", input: Array.from({ length: 2_049 }, () => "a") });
const tinyElements = `{"model":"story","messages":[{"role":"user","content":"x"}],"pad":[${repeatJoin("0", 300_001)}]}`;
const emptyArrays = `{"model":"story","x":[${repeatJoin("[]", 300_001)}]}`;
const atLimitTokens = `{"model":"story","prompt":[${repeatJoin("9", 100_000)}],"max_tokens":1}`;
const bigImage = JSON.stringify(chat({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${"QUJD".repeat(300_000)}` } }] }] }));
const giantModel = "m".repeat(1_000_000);

const fields = ["model", "messages", "prompt", "input", "stream", "stream_options", "n", "stop", "max_tokens", "max_completion_tokens", "temperature", "top_p", "seed", "presence_penalty", "frequency_penalty", "logit_bias", "user", "response_format", "tools", "tool_choice", "top_logprobs", "encoding_format", "dimensions", "echo", "best_of", "suffix"];
const anyType: unknown[] = [null, true, false, 0, -1, 3.5, "", "x", [], [1], ["a"], {}, { a: 1 }, [[]], [{}]];
const hugeNumbers = ["1e309", "-1e309", "1e-400", "123456789012345678901234567890", "-0", "9007199254740993", "0.0000000000000000000001"];
const numberLikeStrings = ["NaN", "Infinity", "-Infinity", "1e3", "0x10", " 1", "1_000", "", "null", "true"];
const numberFields = ["n", "max_tokens", "temperature", "top_p", "seed", "presence_penalty", "frequency_penalty", "top_logprobs", "dimensions", "best_of"];
const rawNonJson = ["NaN", "Infinity", "-Infinity", "undefined", "0x1F", "+1", ".5", "01"];
const contentTypes = ["application/json; charset=utf-16", "APPLICATION/JSON", "application/json;;;", "application/json, text/plain", "application/problem+json", "application/+json", "application/json ; q=1", "text/json", "application/x-json", "multipart/mixed", "application/json; charset=\"utf-8\""];
const unicodeText = ["\ud800", "\udfff", "\ud83d", "a\udc00b", "\u202e\u2066evil", "\u0000", "\ufeff", "e\u0301\u0301\u0301", "\uffff\ufffe", "𝓗𝓮𝓵𝓵𝓸"];
const badUtf8: number[][] = [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xf0, 0x80, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xff], [0x80], [0xc3]];
const protoKeys = ["__proto__", "constructor", "prototype", "__defineGetter__", "hasOwnProperty", "toString", "valueOf"];

function makeCase(random: () => number, index: number): HostileCase {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  switch (index % 14) {
    case 0: {
      // Deep nesting of objects, arrays and mixes, in different fields.
      const depth = 65 + Math.floor(random() * 5_000);
      const open = pick(['{"a":', "[", '[{"b":']);
      const close = open === '{"a":' ? "}" : open === "[" ? "]" : "}]";
      const field = pick(["messages", "tools", "response_format", "logit_bias", "extra"]);
      return { kind: "deep nesting", path: "/v1/chat/completions", headers: json, body: `{"model":"story","${field}":${open.repeat(depth)}1${close.repeat(depth)}}`, expect: { code: "nesting_too_deep" } };
    }
    case 1: {
      // Lists one past each per-field limit: 400 naming the field.
      const cases: [string, string, string][] = [
        [manyMessages, "/v1/chat/completions", "messages"],
        [manyParts, "/v1/chat/completions", "messages[0].content"],
        [manyTools, "/v1/chat/completions", "tools"],
        [manyStops, "/v1/chat/completions", "stop"],
        [manyBias, "/v1/chat/completions", "logit_bias"],
        [manyPrompts, "/v1/embeddings", "input"],
      ];
      const [body, path, param] = index % 100 === 1 ? [manyTokenIds, "/v1/completions", "prompt"] : pick(cases);
      return { kind: `too many ${param}`, path, headers: json, body, expect: { code: "too_many_elements", param } };
    }
    case 2:
      // Many tiny elements: refused by the pre-scan before JSON.parse.
      return { kind: "many tiny elements", path: pick(["/v1/chat/completions", "/v1/embeddings"]), headers: json, body: index % 28 === 2 ? emptyArrays : tinyElements, expect: { code: "too_many_elements" } };
    case 3: {
      // Every field, every JSON type.
      const path = pick(["/v1/chat/completions", "/v1/completions", "/v1/embeddings"]);
      const base = path === "/v1/embeddings" ? { model: "story", input: "x" } : path === "/v1/completions" ? { model: "story", prompt: "x" } : chat();
      return { kind: "wrong types", path, headers: json, body: JSON.stringify({ ...base, [pick(fields)]: pick(anyType) }) };
    }
    case 4:
      // Huge and extreme numbers, as raw JSON number text.
      return { kind: "huge numbers", path: "/v1/chat/completions", headers: json, body: `{"model":"story","messages":[{"role":"user","content":"x"}],"${pick(numberFields)}":${pick(hugeNumbers)}}` };
    case 5:
      // Strings that look like numbers, and bare non-JSON number words.
      return random() < 0.5
        ? { kind: "number-like strings", path: "/v1/completions", headers: json, body: JSON.stringify({ model: "story", prompt: "x", [pick(numberFields)]: pick(numberLikeStrings) }) }
        : { kind: "non-JSON numbers", path: "/v1/chat/completions", headers: json, body: `{"model":"story","messages":[{"role":"user","content":"x"}],"temperature":${pick(rawNonJson)}}`, expect: { code: "invalid_json" } };
    case 6: {
      // Unicode: escaped lone surrogates and odd code points (valid JSON), or broken UTF-8 bytes (never valid).
      const roll = random();
      if (roll < 0.4) return { kind: "unicode text", path: "/v1/chat/completions", headers: json, body: JSON.stringify(chat({ [pick(["model", "user"])]: pick(unicodeText), messages: [{ role: "user", content: pick(unicodeText) }] })) };
      if (roll < 0.5) return { kind: "BOM", path: "/v1/chat/completions", headers: json, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(chat()))]) };
      const text = Buffer.from(JSON.stringify(chat({ model: pick(["story", "x"]) })));
      const at = text.indexOf(random() < 0.5 ? "hi" : "story");
      return { kind: "broken UTF-8", path: "/v1/chat/completions", headers: json, body: Buffer.concat([text.subarray(0, at), Buffer.from(pick(badUtf8)), text.subarray(at)]), expect: { code: "invalid_encoding" } };
    }
    case 7: {
      // Duplicate keys: the last one wins in JSON.parse; whatever wins must be validated.
      const dup = pick(['"model":"story","model":7', '"model":7,"model":"story"', '"messages":[],"messages":"x"', '"stream":true,"stream":"yes"', '"n":1,"n":1e9']);
      return { kind: "duplicate keys", path: "/v1/chat/completions", headers: json, body: `{"model":"story","messages":[{"role":"user","content":"x"}],${dup}}` };
    }
    case 8: {
      // Prototype keys at the top level, in messages, in logit_bias and in response_format.
      const key = pick(protoKeys);
      const value = pick(['{"polluted":true}', '{"prototype":{"polluted":true}}', '"x"', "1", "null", '[{"polluted":true}]']);
      const where = pick(["top", "message", "logit_bias", "response_format"]);
      const body =
        where === "top" ? `{"model":"story","messages":[{"role":"user","content":"x"}],"${key}":${value}}`
        : where === "message" ? `{"model":"story","messages":[{"role":"user","content":"x","${key}":${value}}]}`
        : where === "logit_bias" ? `{"model":"story","messages":[{"role":"user","content":"x"}],"logit_bias":{"${key}":${value}}}`
        : `{"model":"story","messages":[{"role":"user","content":"x"}],"response_format":{"type":"text","${key}":${value}}}`;
      return { kind: "prototype keys", path: "/v1/chat/completions", headers: json, body };
    }
    case 9: {
      // Giant strings: in the model name (404, clipped), stop strings, user and role.
      const roll = random();
      if (roll < 0.4) return { kind: "giant model", path: pick(["/v1/chat/completions", "/v1/embeddings"]), headers: json, body: JSON.stringify({ model: giantModel.slice(0, 200_000 + Math.floor(random() * 800_000)), messages: [{ role: "user", content: "x" }], input: "x" }), expect: { code: "model_not_found" } };
      if (roll < 0.7) return { kind: "giant stop", path: "/v1/chat/completions", headers: json, body: JSON.stringify(chat({ stop: Array.from({ length: 1 + Math.floor(random() * 16) }, () => "s".repeat(10_000 + Math.floor(random() * 50_000))), max_tokens: 1 })) };
      return { kind: "giant role", path: "/v1/chat/completions", headers: json, body: JSON.stringify(chat({ messages: [{ role: "r".repeat(500_000), content: "x" }] })) };
    }
    case 10: {
      // Header abuse: long or odd x-request-id, content-type variants.
      const roll = random();
      if (roll < 0.5) return { kind: "x-request-id", path: "/v1/chat/completions", headers: { ...json, "x-request-id": pick(["i".repeat(8_000), "../../etc", "a b", "\u00ff".repeat(20), "x".repeat(129), ""]) }, body: JSON.stringify(chat({ max_tokens: 1 })) };
      return { kind: "content-type", path: "/v1/chat/completions", headers: { "content-type": pick(contentTypes) }, body: JSON.stringify(chat({ max_tokens: 1 })) };
    }
    case 11: {
      // Declared encodings: gzip junk, real gzip, deflate, unknown.
      const encoding = pick(["gzip", "deflate", "br", "x-unknown", "gzip, gzip"]);
      const real = random() < 0.5;
      const body = real ? gzipSync(JSON.stringify(chat())) : Buffer.from(Array.from({ length: 64 + Math.floor(random() * 4_000) }, () => Math.floor(random() * 256)));
      // gzip, deflate and br are decoded: real gzip under gzip is a normal request, anything else does not decode.
      const headers = { ...json, "content-encoding": encoding };
      if (encoding === "x-unknown" || encoding === "gzip, gzip") return { kind: "content-encoding", path: "/v1/chat/completions", headers, body, expect: { code: "unsupported_encoding" } };
      if (real && encoding === "gzip") return { kind: "content-encoding", path: "/v1/chat/completions", headers, body };
      return { kind: "content-encoding", path: "/v1/chat/completions", headers, body, expect: { code: "invalid_encoding" } };
    }
    case 12:
      // Large bodies at once, some chunked (no Content-Length): admitted two at a time, else 429 server_busy.
      if (random() < 0.5) {
        const chunk = Buffer.from(bigImage);
        return { kind: "large chunked", path: "/v1/chat/completions", headers: json, body: () => Readable.from([chunk.subarray(0, 700_000), chunk.subarray(700_000)]) };
      }
      return { kind: "large", path: pick(["/v1/chat/completions", "/v1/completions"]), headers: json, body: random() < 0.5 ? bigImage : atLimitTokens };
    default:
      // A valid request now and then: the gateway keeps answering.
      return { kind: "valid", path: "/v1/chat/completions", headers: json, body: JSON.stringify(chat({ max_tokens: 2 })) };
  }
}

async function send(hostile: HostileCase): Promise<{ status: number; body: string; requestId: string | undefined }> {
  const response = await request(`${gateway.url}${hostile.path}`, {
    method: "POST",
    headers: hostile.headers,
    body: typeof hostile.body === "function" ? hostile.body() : hostile.body,
    dispatcher: agent,
  });
  const requestId = response.headers["x-request-id"];
  return { status: response.statusCode, body: await response.body.text(), requestId: typeof requestId === "string" ? requestId : undefined };
}

function memory(): number {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

describe("a hostile-input corpus", () => {
  it("answers 3,150 hostile requests below 500 with error envelopes, keeps serving, and returns to its memory baseline", async () => {
    const random = xorshift(0x13b0_0d);
    for (let index = 0; index < 28; index++) await send(makeCase(random, index));
    const baseline = memory();

    const total = 3_150;
    const failures: string[] = [];
    const kinds = new Map<string, Map<number, number>>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const hostile = makeCase(random, next++);
        const { status, body, requestId } = await send(hostile);
        const statuses = kinds.get(hostile.kind) ?? new Map<number, number>();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        kinds.set(hostile.kind, statuses);
        let error: { message?: unknown; code?: unknown; param?: unknown } | undefined;
        if (status !== 200) {
          try {
            error = (JSON.parse(body) as { error?: typeof error }).error;
          } catch {
            error = undefined;
          }
        }
        const problems = [
          status >= 500 && "5xx",
          status !== 200 && (typeof error?.message !== "string" || typeof error.code !== "string") && "no error envelope",
          hostile.expect !== undefined && error?.code !== hostile.expect.code && !(error?.code === "server_busy" && hostile.kind.startsWith("too many")) && `code ≠ ${hostile.expect.code}`,
          hostile.expect?.param !== undefined && error?.code === "too_many_elements" && error.param !== hostile.expect.param && `param ≠ ${hostile.expect.param}`,
          body.length > 4_096 && status !== 200 && "error body longer than 4 KiB (client text not clipped)",
          requestId !== undefined && requestId.length > 128 && "x-request-id echoed unbounded",
        ].filter((problem) => problem !== false);
        if (problems.length > 0 && failures.length < 10) failures.push(`${hostile.kind} ${hostile.path} → ${status} ${body.slice(0, 200)}: ${problems.join(", ")}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    expect(failures).toEqual([]);
    // Every kind was sent, and the ones that must be refused were.
    expect(kinds.size).toBeGreaterThanOrEqual(20);
    expect(kinds.get("valid")?.get(200)).toBeGreaterThan(100);
    expect(kinds.get("deep nesting")?.get(400)).toBe([...(kinds.get("deep nesting")?.values() ?? [])].reduce((sum, count) => sum + count, 0));
    // Nothing polluted the prototypes of this (the gateway's own) process.
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");

    const health = await request(`${gateway.url}/healthz`, { dispatcher: agent });
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const grownMiB = (memory() - baseline) / 2 ** 20;
    expect(grownMiB).toBeLessThan(64);
  }, 180_000);
});
