import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeTokens, startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

let upstream: FakeUpstream;
let gateway: RunningGateway;
const text = "one two three four five six seven eight";

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(`models:\n  - name: story\n    cache: { mode: exact }\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`);
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

let counter = 0;
function body(stream: boolean): Record<string, unknown> {
  counter++;
  return { model: "story", messages: [{ role: "user", content: `coalesce ${counter}` }], temperature: 0, ...(stream ? { stream: true } : {}) };
}

function send(payload: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload), ...(signal === undefined ? {} : { signal }) });
}

/** The content of an SSE body, and whether it ended with [DONE]. */
function sseText(raw: string): { text: string; done: boolean } {
  let content = "";
  for (const line of raw.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const chunk = JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> };
    content += chunk.choices?.[0]?.delta?.content ?? "";
  }
  return { text: content, done: raw.endsWith("data: [DONE]\n\n") };
}

/** Reads a streamed response until `count` data events have arrived; returns the reader to keep going or cancel. */
async function readEvents(response: Response, count: number): Promise<{ reader: ReadableStreamDefaultReader<Uint8Array>; raw: string }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let raw = "";
  while ((raw.match(/^data: /gm) ?? []).length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    raw += decoder.decode(value, { stream: true });
  }
  return { reader, raw };
}

async function rest(reader: ReadableStreamDefaultReader<Uint8Array>, raw: string): Promise<string> {
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return raw;
    raw += decoder.decode(value, { stream: true });
  }
}

describe("request coalescing (single-flight)", () => {
  it("100 identical concurrent JSON requests make exactly 1 upstream call and all get the answer", async () => {
    upstream.enqueue({ kind: "ok", delayMs: 300, text });
    const payload = body(false);
    const calls = upstream.calls.length;
    const responses = await Promise.all(Array.from({ length: 100 }, () => send(payload)));
    const bodies = await Promise.all(responses.map(async (response) => ({ status: response.status, cache: response.headers.get("x-gantry-cache"), json: (await response.json()) as { choices: Array<{ message: { content: string } }> } })));
    expect(upstream.calls.length - calls).toBe(1);
    expect(bodies.every((item) => item.status === 200 && item.json.choices[0]?.message.content === text)).toBe(true);
    expect(bodies.filter((item) => item.cache === "miss")).toHaveLength(1);
    expect(bodies.filter((item) => item.cache === "coalesced")).toHaveLength(99);
  });

  it("100 identical concurrent streams make exactly 1 upstream call and every stream is complete", async () => {
    upstream.enqueue({ kind: "ok", delayMs: 200, chunkDelayMs: 20, text });
    const payload = body(true);
    const calls = upstream.calls.length;
    const responses = await Promise.all(Array.from({ length: 100 }, () => send(payload)));
    const texts = await Promise.all(responses.map(async (response) => sseText(await response.text())));
    expect(upstream.calls.length - calls).toBe(1);
    expect(texts.every((item) => item.done && item.text === text)).toBe(true);
  });

  it("a late joiner gets the parts already sent, then the rest", async () => {
    upstream.enqueue({ kind: "ok", chunkDelayMs: 40, text });
    const payload = body(true);
    const calls = upstream.calls.length;
    const early = await send(payload);
    const { reader, raw } = await readEvents(early, 4);
    const late = await send(payload);
    expect(late.headers.get("x-gantry-cache")).toBe("coalesced");
    const [earlyRaw, lateRaw] = await Promise.all([rest(reader, raw), late.text()]);
    expect(sseText(earlyRaw)).toEqual({ text, done: true });
    expect(sseText(lateRaw)).toEqual({ text, done: true });
    expect(upstream.calls.length - calls).toBe(1);
  });

  it("one subscriber disconnecting does not cancel the others; when all have gone the upstream call is aborted", async () => {
    const slow = fakeTokens(text).map(() => 60);
    upstream.enqueue({ kind: "ok", tokenDelaysMs: slow, text });
    const payload = body(true);
    const aborted = upstream.abortedRequests();
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const responses = await Promise.all(controllers.map((controller) => send(payload, controller.signal)));
    const opened = await Promise.all(responses.map((response) => readEvents(response, 2)));
    controllers[0]?.abort();
    const [second, third] = await Promise.all(opened.slice(1).map(({ reader, raw }) => rest(reader, raw)));
    expect(sseText(second ?? "")).toEqual({ text, done: true });
    expect(sseText(third ?? "")).toEqual({ text, done: true });
    expect(upstream.abortedRequests()).toBe(aborted);

    upstream.enqueue({ kind: "ok", tokenDelaysMs: slow, text });
    const again = body(true);
    const all = [new AbortController(), new AbortController()];
    const streams = await Promise.all(all.map((controller) => send(again, controller.signal)));
    await Promise.all(streams.map((response) => readEvents(response, 2)));
    for (const controller of all) controller.abort();
    await expect.poll(() => upstream.abortedRequests(), { timeout: 2000 }).toBe(aborted + 1);
    // Nothing half-done was cached: the next identical request goes upstream again.
    const calls = upstream.calls.length;
    const fresh = await send({ ...again, stream: false });
    expect(fresh.headers.get("x-gantry-cache")).toBe("miss");
    expect(upstream.calls.length - calls).toBe(1);
  });

  it("an upstream failure mid-stream reaches every coalesced stream as an error, and nothing is cached", async () => {
    upstream.enqueue({ kind: "reset-mid-stream", afterChunks: 3, chunkDelayMs: 40 });
    const payload = body(true);
    const calls = upstream.calls.length;
    const responses = await Promise.all(Array.from({ length: 5 }, () => send(payload)));
    const raws = await Promise.all(responses.map((response) => response.text()));
    expect(upstream.calls.length - calls).toBe(1);
    for (const raw of raws) {
      expect(sseText(raw).done).toBe(false);
      expect(raw).toContain('"error"');
    }
    const retry = await send({ ...payload, stream: false });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("x-gantry-cache")).toBe("miss");
    expect(upstream.calls.length - calls).toBe(2);
  });
});
