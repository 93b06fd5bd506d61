import { connect } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let upstream: FakeUpstream;
let gateway: RunningGateway;
const agent = new Agent({ connections: 16 });

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl], "server: { body_limit_bytes: 262144 }").replace("server: { shutdown_grace_ms: 2000 }\n", ""));
});
afterAll(async () => {
  await agent.close();
  await gateway.close();
  await upstream.close();
});

/** Mulberry32: a tiny seeded PRNG so every run sends the same requests. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

const paths = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"];
/** Values no field of any request accepts. */
const alwaysInvalid: unknown[] = [{ nested: { deeper: [1, 2] } }, [[[]]], { __proto__: { admin: true } }, [{ x: 1 }, "a", 1, null]];
const sampling: Record<string, unknown[]> = {
  temperature: [-0.1, 2.5, 1e308, "hot", true],
  top_p: [-1, 1.01, "all", false],
  n: [0, -1, 1.5, 129, "2"],
  max_tokens: [0, -5, 2.5, "10", true],
  seed: [1.5, "seed", true],
  stream: ["yes", 1, "true"],
  stop: [42, [1, 2], [null], { stop: "x" }, Array.from({ length: 17 }, () => "s")],
  presence_penalty: [-2.5, 3, "high"],
  stream_options: ["usage", 5, { include_usage: "yes" }],
  model: ["", 42, null, "missing-model", "x".repeat(5000), ["story"]],
};
const invalidChatFields: Record<string, unknown[]> = {
  ...sampling,
  messages: ["hello", [], [null], [{ role: "user" }], [{ role: "robot", content: "x" }], [{ role: "user", content: 5 }], 7],
  response_format: [{ type: "xml" }, "json", 1],
  tool_choice: ["sometimes", 3],
  tools: [{ type: "function" }, [{ type: "function", function: { name: "" } }], "tools"],
};
const invalidCompletionFields: Record<string, unknown[]> = { ...sampling, prompt: [null, 5, [1.5], [["a"]], { text: "x" }, [-1]], echo: ["yes", 1] };
const invalidEmbeddingFields: Record<string, unknown[]> = {
  model: sampling["model"] ?? [],
  input: [null, 5, [], { text: "x" }, [1.5], [[]], [null]],
  encoding_format: ["binary", 1, null],
  dimensions: [0, -3, 2.5, "8"],
};

function makeCase(random: () => number, index: number): FuzzCase {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const path = pick(paths);
  const json = { "content-type": "application/json" };
  const valid: Record<string, unknown> =
    path === "/v1/embeddings" ? { model: "story", input: "hello" } : path === "/v1/completions" ? { model: "story", prompt: "hello" } : { model: "story", messages: [{ role: "user", content: "hello" }] };
  switch (index % 10) {
    case 0: {
      // Truncated or corrupted JSON.
      const text = JSON.stringify(valid);
      const cut = Math.max(1, Math.floor(random() * (text.length - 1)));
      return { method: "POST", path, headers: json, body: random() < 0.5 ? text.slice(0, cut) : text.slice(0, cut) + pick(["}", "]", ",", "'", "\\", "NaN", "undefined"]) + text.slice(cut) + "}" };
    }
    case 1: {
      // A known field with a value that is invalid for it: generic hostile values plus per-field edge cases.
      const fields = path === "/v1/embeddings" ? invalidEmbeddingFields : path === "/v1/completions" ? invalidCompletionFields : invalidChatFields;
      const field = pick(Object.keys(fields));
      const value = random() < 0.5 ? pick(fields[field] ?? []) : pick(alwaysInvalid);
      return { method: "POST", path, headers: json, body: JSON.stringify({ ...valid, [field]: value }) };
    }
    case 2:
      // Body over the limit.
      return { method: "POST", path, headers: json, body: JSON.stringify({ ...valid, padding: "y".repeat(262_144 + Math.floor(random() * 10_000)) }) };
    case 3: {
      // Deep nesting.
      const depth = 65 + Math.floor(random() * 20_000);
      return { method: "POST", path, headers: json, body: `{"model":"story","messages":${"[".repeat(depth)}${"]".repeat(depth)}}` };
    }
    case 4: {
      // Invalid UTF-8 inside an otherwise valid request.
      const text = Buffer.from(JSON.stringify(valid));
      const at = text.indexOf("hello");
      const bad = Buffer.from([pick([0xff, 0xfe, 0xc0, 0x80, 0xed]), pick([0xa0, 0x80, 0xff, 0x28])]);
      return { method: "POST", path, headers: json, body: Buffer.concat([text.subarray(0, at), bad, text.subarray(at)]) };
    }
    case 5:
      // Wrong content types.
      return { method: "POST", path, headers: { "content-type": pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "json", "application/jsonx"]) }, body: JSON.stringify(valid) };
    case 6:
      // Valid JSON that is not an object, or an empty body.
      return { method: "POST", path, headers: json, body: pick(["[]", "null", "42", '"text"', "", " ", "true", "[{}]"]) };
    case 7:
      // Unknown routes, wrong methods, traversal and odd paths.
      return { method: pick(["GET", "PUT", "DELETE", "PATCH", "POST"]), path: pick(["/v1/chat/completions/../../etc/passwd", "/v1/../admin", "/%00", "/v1/chat", "/v1/models/%E0%A4%A", "/v1/embeddings/x?y=1", "/" + "a".repeat(2000)]), headers: json, body: method7Body(valid) };
    case 8: {
      // Messages with hostile shapes.
      const message = pick([{ role: "user" }, { content: "x" }, { role: "user", content: 5 }, { role: "user", content: [{ text: "no type" }] }, "string", 7, null, { role: ["user"], content: "x" }]);
      return { method: "POST", path: "/v1/chat/completions", headers: json, body: JSON.stringify({ model: "story", messages: random() < 0.5 ? [message] : [] }) };
    }
    default: {
      // Huge strings in places where they are invalid anyway (unknown model, bad role).
      const huge = "z".repeat(50_000 + Math.floor(random() * 150_000));
      return { method: "POST", path: "/v1/chat/completions", headers: json, body: JSON.stringify(random() < 0.5 ? { model: huge, messages: [{ role: "user", content: "x" }] } : { model: "story", messages: [{ role: huge, content: huge }] }) };
    }
  }
}

function method7Body(valid: Record<string, unknown>): string {
  return JSON.stringify(valid);
}

async function send(fuzzCase: FuzzCase): Promise<{ status: number; body: string }> {
  const response = await request(`${gateway.url}${fuzzCase.path}`, {
    method: fuzzCase.method as "POST",
    headers: fuzzCase.headers,
    ...(fuzzCase.body === undefined || fuzzCase.method === "GET" ? {} : { body: fuzzCase.body }),
    dispatcher: agent,
  });
  return { status: response.statusCode, body: await response.body.text() };
}

function rawExchange(payload: string): Promise<string> {
  const url = new URL(gateway.url);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk.toString()));
    socket.on("close", () => resolve(answer));
    socket.on("error", () => resolve(answer));
    socket.write(payload);
    setTimeout(() => socket.end(), 200);
  });
}

describe("fuzzing the gateway with hostile requests", () => {
  it("answers 2,500 malformed requests with 4xx envelopes, stays up, and returns to its memory baseline", async () => {
    const random = prng(20261121);
    // Warm up so lazily built things (validators, pools) are in the baseline.
    for (let index = 0; index < 100; index++) await send(makeCase(random, index));
    gc();
    const baseline = process.memoryUsage().heapUsed;

    const total = 2_500;
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const fuzzCase = makeCase(random, next++);
        const { status, body } = await send(fuzzCase);
        let envelope: { error?: { message?: unknown; type?: unknown; code?: unknown; param?: unknown } } | undefined;
        try {
          envelope = JSON.parse(body) as typeof envelope;
        } catch {
          envelope = undefined;
        }
        const ok = status >= 400 && status < 500 && typeof envelope?.error?.message === "string" && typeof envelope.error.type === "string" && typeof envelope.error.code === "string" && "param" in envelope.error;
        if (!ok && failures.length < 10) failures.push(`${fuzzCase.method} ${fuzzCase.path} ${String(fuzzCase.body).slice(0, 120)} → ${status} ${body.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(failures).toEqual([]);
    expect(upstream.calls).toHaveLength(0);

    // Malformed HTTP and oversized headers are answered by the server itself.
    expect(await rawExchange("GARBAGE\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawExchange(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${"h".repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);

    const health = await request(`${gateway.url}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    gc();
    const grownMiB = (process.memoryUsage().heapUsed - baseline) / 2 ** 20;
    expect(grownMiB).toBeLessThan(16);
  }, 120_000);
});
