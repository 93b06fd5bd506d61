import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(`cache: { ttl_seconds: 60 }\nmodels:\n  - name: story\n    cache: { mode: exact }\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n  - name: plain\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.defaultBehavior = { kind: "ok" };
});

let counter = 0;
/** A fresh deterministic question per test, so tests never see each other's entries. */
function question(): { model: string; messages: Array<{ role: "user"; content: string }>; temperature: number } {
  counter++;
  return { model: "story", messages: [{ role: "user", content: `question ${counter}` }], temperature: 0 };
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; cache: string | null; text: string }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: response.status, cache: response.headers.get("x-gantry-cache"), text: await response.text() };
}

async function streamText(body: Record<string, unknown>): Promise<{ text: string; usage: unknown; finish: string | null | undefined }> {
  const stream = await client.chat.completions.create({ ...(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming), stream: true });
  let text = "";
  let usage: unknown;
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    finish ??= chunk.choices[0]?.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, usage, finish };
}

describe("exact answer cache", () => {
  it("serves the second identical request from the cache, marking the prompt as cached tokens", async () => {
    const body = question();
    const calls = upstream.calls.length;
    const first = await post(body);
    const second = await post({ ...body, top_p: 1, messages: [{ content: body.messages[0]?.content, role: "user" }] });
    expect([first.cache, second.cache]).toEqual(["miss", "hit"]);
    expect(upstream.calls.length - calls).toBe(1);
    const a = JSON.parse(first.text) as OpenAI.ChatCompletion;
    const b = JSON.parse(second.text) as OpenAI.ChatCompletion;
    expect(b.choices).toEqual(a.choices);
    expect(b.usage?.prompt_tokens_details?.cached_tokens).toBe(a.usage?.prompt_tokens);
  });

  it("replays a cached answer as a stream with the same text, finish reason and usage", async () => {
    const body = question();
    const calls = upstream.calls.length;
    const json = JSON.parse((await post(body)).text) as OpenAI.ChatCompletion;
    const replay = await streamText({ ...body, stream_options: { include_usage: true } });
    expect(upstream.calls.length - calls).toBe(1);
    expect(replay.text).toBe(json.choices[0]?.message.content);
    expect(replay.finish).toBe("stop");
    expect(replay.usage).toMatchObject({ prompt_tokens: json.usage?.prompt_tokens, completion_tokens: json.usage?.completion_tokens });
  });

  it("caches a completed stream: the replay's content is identical and JSON requests hit it too", async () => {
    const body = question();
    const calls = upstream.calls.length;
    const original = await streamText({ ...body, stream_options: { include_usage: true } });
    const replay = await streamText({ ...body, stream_options: { include_usage: true } });
    const asJson = await post(body);
    expect(upstream.calls.length - calls).toBe(1);
    expect(replay.text).toBe(original.text);
    expect(replay.text.length).toBeGreaterThan(10);
    expect(replay.usage).toMatchObject(original.usage as object);
    expect(asJson.cache).toBe("hit");
    expect((JSON.parse(asJson.text) as OpenAI.ChatCompletion).choices[0]?.message.content).toBe(original.text);
  });

  it("hides the replayed usage chunk from a client that did not ask for it", async () => {
    const body = question();
    await post(body);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
    const text = await response.text();
    expect(response.headers.get("x-gantry-cache")).toBe("hit");
    expect(text).not.toContain('"usage"');
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("does not cache non-deterministic requests unless configured, nor models without a cache", async () => {
    const calls = upstream.calls.length;
    const body = { model: "story", messages: [{ role: "user", content: "random" }] };
    expect((await post(body)).cache).toBe("bypass");
    expect((await post(body)).cache).toBe("bypass");
    const plain = { ...question(), model: "plain" };
    expect((await post(plain)).cache).toBeNull();
    expect((await post(plain)).cache).toBeNull();
    expect(upstream.calls.length - calls).toBe(4);
  });

  it("honours Cache-Control no-cache / no-store and x-gantry-cache bypass / refresh", async () => {
    const body = question();
    const calls = upstream.calls.length;
    expect((await post(body, { "cache-control": "no-store" })).cache).toBe("bypass");
    expect((await post(body, { "x-gantry-cache": "bypass" })).cache).toBe("bypass");
    expect((await post(body)).cache).toBe("miss");
    expect((await post(body, { "cache-control": "no-cache" })).cache).toBe("miss");
    expect((await post(body, { "x-gantry-cache": "refresh" })).cache).toBe("miss");
    expect((await post(body)).cache).toBe("hit");
    expect(upstream.calls.length - calls).toBe(5);
  });

  it("never caches errors, truncated streams or streams the client cut", async () => {
    const body = question();
    upstream.enqueue({ kind: "status", status: 500 });
    expect((await post(body)).status).toBe(502);
    upstream.enqueue({ kind: "reset-mid-stream", afterChunks: 3 });
    await expect(streamText(body)).rejects.toThrow();
    upstream.enqueue({ kind: "no-done" });
    await expect(streamText(body)).rejects.toThrow();
    upstream.enqueue({ kind: "error-event", afterChunks: 2 });
    await expect(streamText(body)).rejects.toThrow();
    // The client goes away after the first chunk of a slow stream.
    upstream.enqueue({ kind: "ok", chunkDelayMs: 30 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ ...body, stream: true }, { signal: controller.signal });
    for await (const _chunk of stream) {
      controller.abort();
      break;
    }
    // Once the gateway has finished with the abandoned request, whatever it was going to store is stored.
    await expect.poll(() => gateway.app.inFlight()).toBe(0);
    const calls = upstream.calls.length;
    expect((await post(body)).cache).toBe("miss");
    expect(upstream.calls.length - calls).toBe(1);
    expect((await post(body)).cache).toBe("hit");
  });

  it("caches embeddings too", async () => {
    const calls = upstream.calls.length;
    const embed = (): Promise<OpenAI.CreateEmbeddingResponse> => client.embeddings.create({ model: "story", input: `embed ${counter}` });
    const a = await embed();
    const b = await embed();
    expect(b.data[0]?.embedding).toEqual(a.data[0]?.embedding);
    expect(upstream.calls.length - calls).toBe(1);
  });
});
