import OpenAI, { APIConnectionError, APIError, BadRequestError, InternalServerError, NotFoundError, RateLimitError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl], "timeouts: { first_byte_ms: 400, total_ms: 3000, connect_ms: 1000, idle_ms: 400 }\nserver: { body_limit_bytes: 65536 }").replace("server: { shutdown_grace_ms: 2000 }\n", ""));
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const messages = [{ role: "user" as const, content: "hi" }];

async function post(path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }): Promise<{ status: number; json: { error: { message: string; type: string; param: string | null; code: string } }; headers: Record<string, unknown> }> {
  const response = await request(`${gateway.url}${path}`, { method: "POST", body, headers });
  const text = await response.body.text();
  return { status: response.statusCode, json: JSON.parse(text), headers: response.headers };
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function collectStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  return text;
}

describe("client errors become OpenAI envelopes with stable codes", () => {
  it("malformed JSON → 400 invalid_json", async () => {
    const answer = await post("/v1/chat/completions", "{nope");
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe("invalid_json");
    expect(answer.json.error.type).toBe("invalid_request_error");
  });

  it("missing and mistyped fields → 400 naming the param", async () => {
    const missing = await post("/v1/chat/completions", JSON.stringify({ model: "story" }));
    expect(missing.status).toBe(400);
    expect(missing.json.error.param).toBe("messages");
    const mistyped = await post("/v1/chat/completions", JSON.stringify({ model: "story", messages, temperature: "hot" }));
    expect(mistyped.json.error.param).toBe("temperature");
    expect(mistyped.json.error.message).toBe("temperature: expected number, got string");
    const maxTokens = await post("/v1/chat/completions", JSON.stringify({ model: "story", messages, max_tokens: "5" }));
    expect(maxTokens.json.error).toMatchObject({ param: "max_tokens", message: "max_tokens: expected integer, got string" });
    const badRole = await post("/v1/chat/completions", JSON.stringify({ model: "story", messages: [{ role: "wizard", content: "x" }] }));
    expect(badRole.json.error.param).toBe("messages[0].role");
  });

  it("the SDK sees BadRequestError and NotFoundError", async () => {
    await expect(client.chat.completions.create({ model: "story", messages, n: 0 })).rejects.toBeInstanceOf(BadRequestError);
    const error = await client.chat.completions.create({ model: "nope", messages }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe("model_not_found");
    expect((error as NotFoundError).param).toBe("model");
  });

  it("body too large → 413, wrong content type → 415, unknown route → 404, wrong method → 405", async () => {
    const big = await post("/v1/chat/completions", JSON.stringify({ model: "story", messages: [{ role: "user", content: "x".repeat(70_000) }] }));
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe("body_too_large");
    const text = await post("/v1/chat/completions", JSON.stringify({ model: "story", messages }), { "content-type": "text/plain" });
    expect(text.status).toBe(415);
    const unknown = await request(`${gateway.url}/v2/nothing`);
    expect(unknown.statusCode).toBe(404);
    expect((JSON.parse(await unknown.body.text()) as { error: { code: string } }).error.code).toBe("not_found");
    const wrongMethod = await request(`${gateway.url}/v1/chat/completions`);
    expect(wrongMethod.statusCode).toBe(405);
    await wrongMethod.body.dump();
  });

  it("request ids are echoed, or generated when absent or unsafe", async () => {
    const echoed = await request(`${gateway.url}/healthz`, { headers: { "x-request-id": "abc-123" } });
    await echoed.body.dump();
    expect(echoed.headers["x-request-id"]).toBe("abc-123");
    expect(String(echoed.headers["x-gantry-request-id"])).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await request(`${gateway.url}/healthz`, { headers: { "x-request-id": "bad id\twith tabs" } });
    await generated.body.dump();
    expect(String(generated.headers["x-request-id"])).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.headers["x-gantry-request-id"]).toBe(generated.headers["x-request-id"]);
    await client.chat.completions.create({ model: "story", messages }, { headers: { "x-request-id": "trace-me" } });
    expect(upstream.calls.at(-1)?.headers["x-request-id"]).toBe("trace-me");
  });
});

describe("upstream failures are mapped", () => {
  it("429 keeps Retry-After and becomes RateLimitError", async () => {
    upstream.enqueue({ kind: "status", status: 429, headers: { "retry-after": "7" } });
    const error = (await client.chat.completions.create({ model: "story", messages }).catch((caught: unknown) => caught)) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.headers.get("retry-after")).toBe("7");
    expect(error.code).toBe("upstream_rate_limited");
  });

  it("5xx → 502 (503 stays 503 with its Retry-After), upstream 400 keeps its status and message", async () => {
    upstream.enqueue({ kind: "status", status: 500 });
    const error = (await client.chat.completions.create({ model: "story", messages }).catch((caught: unknown) => caught)) as APIError;
    expect(error.status).toBe(502);
    expect(error).toBeInstanceOf(InternalServerError);
    upstream.enqueue({ kind: "status", status: 503, headers: { "retry-after": "7" } });
    const unavailable = await post("/v1/chat/completions", JSON.stringify({ model: "story", messages }));
    expect([unavailable.status, unavailable.json.error.code, unavailable.headers["retry-after"]]).toEqual([503, "upstream_unavailable", "7"]);
    upstream.enqueue({ kind: "status", status: 400, body: JSON.stringify({ error: { message: "context too long", type: "invalid_request_error" } }) });
    const rejected = (await client.chat.completions.create({ model: "story", messages }).catch((caught: unknown) => caught)) as APIError;
    expect(rejected).toBeInstanceOf(BadRequestError);
    expect(rejected.message).toContain("context too long");
  });

  it("hang → 504 after the first-byte timeout; malformed JSON → 502; reset → 502", async () => {
    upstream.enqueue({ kind: "hang" });
    const timedOut = (await client.chat.completions.create({ model: "story", messages }).catch((caught: unknown) => caught)) as APIError;
    expect(timedOut.status).toBe(504);
    expect(timedOut.code).toBe("upstream_timeout");
    upstream.enqueue({ kind: "malformed-json" });
    const malformed = (await client.chat.completions.create({ model: "story", messages }).catch((caught: unknown) => caught)) as APIError;
    expect([malformed.status, malformed.code]).toEqual([502, "upstream_bad_response"]);
    upstream.enqueue({ kind: "reset-before" });
    const reset = (await client.chat.completions.create({ model: "story", messages }).catch((caught: unknown) => caught)) as APIError;
    expect([reset.status, reset.code]).toEqual([502, "upstream_unreachable"]);
  });

  it("an unreachable upstream → 502, and the SDK's own connection failure is APIConnectionError", async () => {
    const dead = await startFakeUpstream();
    await dead.close();
    const other = await startTestGateway(upstreamConfig([dead.baseUrl]));
    const otherClient = new OpenAI({ baseURL: `${other.url}/v1`, apiKey: "x", maxRetries: 0 });
    const error = (await otherClient.chat.completions.create({ model: "story", messages }).catch((caught: unknown) => caught)) as APIError;
    expect([error.status, error.code]).toEqual([502, "upstream_unreachable"]);
    await other.close();
    const gone = await otherClient.models.list().catch((caught: unknown) => caught);
    expect(gone).toBeInstanceOf(APIConnectionError);
  });

  it("failure before the first streamed byte is a plain HTTP error, not a stream", async () => {
    upstream.enqueue({ kind: "status", status: 500 });
    const error = (await client.chat.completions.create({ model: "story", messages, stream: true }).catch((caught: unknown) => caught)) as APIError;
    expect(error.status).toBe(502);
  });

  it.each([
    ["reset mid-stream", { kind: "reset-mid-stream", afterChunks: 3, chunkDelayMs: 10 }, "upstream_unreachable"],
    ["no [DONE]", { kind: "no-done" }, "upstream_stream_incomplete"],
    ["error event", { kind: "error-event", afterChunks: 2 }, "upstream_error"],
    ["malformed event", { kind: "malformed-json" }, "upstream_bad_response"],
  ] as const)("failure after the first streamed byte (%s) ends the SSE stream with an error event", async (_name, behavior, code) => {
    upstream.enqueue(behavior);
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true });
    const error = (await collectStream(stream).catch((caught: unknown) => caught)) as APIError;
    expect(error).toBeInstanceOf(APIError);
    expect((error.error as { code?: string } | undefined)?.code).toBe(code);
  });

  it("idle upstream mid-stream → SSE error event with upstream_timeout", async () => {
    upstream.enqueue({ kind: "ok", chunkDelayMs: 900 });
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true }).catch((caught: unknown) => caught);
    // The role chunk is sent after the idle timeout too, so this is either a plain 504 or an SSE error event.
    if (stream instanceof APIError) {
      expect(stream.status).toBe(504);
      return;
    }
    const error = (await collectStream(stream as AsyncIterable<OpenAI.ChatCompletionChunk>).catch((caught: unknown) => caught)) as APIError;
    expect((error.error as { code?: string } | undefined)?.code).toBe("upstream_timeout");
  });
});

describe("streaming behaviour", () => {
  it("client disconnect aborts the upstream request at once", async () => {
    upstream.enqueue({ kind: "ok", chunkDelayMs: 50, text: Array.from({ length: 200 }, (_, index) => `w${index}`).join(" ") });
    await until(() => upstream.openRequests() === 0);
    const abortedBefore = upstream.abortedRequests();
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true }, { signal: controller.signal });
    let chunks = 0;
    // The SDK ends iteration quietly when its own signal aborts.
    await (async () => {
      for await (const _chunk of stream) {
        if (++chunks === 3) controller.abort();
      }
    })().catch(() => undefined);
    expect(chunks).toBe(3);
    await until(() => upstream.abortedRequests() > abortedBefore);
    expect(upstream.abortedRequests()).toBe(abortedBefore + 1);
    expect(upstream.openRequests()).toBe(0);
  });

  it("events are flushed one by one, not buffered", async () => {
    upstream.enqueue({ kind: "ok", chunkDelayMs: 80, text: "one two three four" });
    const started = performance.now();
    const arrivals: number[] = [];
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true });
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - started);
    expect(arrivals).toHaveLength(4);
    // Chunks are 80 ms apart upstream; buffered delivery would bunch them at the end.
    expect((arrivals[3] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThan(150);
  });
});
