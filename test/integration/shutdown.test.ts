import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());

const messages = [{ role: "user" as const, content: "hi" }];
const longText = Array.from({ length: 40 }, (_, index) => `t${index}`).join(" ");

describe("graceful shutdown", () => {
  it("finishes in-flight streams within the grace period and refuses new connections", async () => {
    const gateway = await startTestGateway(upstreamConfig([upstream.baseUrl]));
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    upstream.enqueue({ kind: "ok", chunkDelayMs: 20, text: "a b c d e" });
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true });
    const closed = gateway.close();
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("a b c d e");
    await closed;
    expect(gateway.app.inFlight()).toBe(0);
  });

  it("ends streams still running at the deadline with a shutting_down error event", async () => {
    const gateway = await startTestGateway(upstreamConfig([upstream.baseUrl]).replace("shutdown_grace_ms: 2000", "shutdown_grace_ms: 150"));
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    upstream.enqueue({ kind: "ok", chunkDelayMs: 30, text: longText });
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true });
    const abortedBefore = upstream.abortedRequests();
    const closed = gateway.close();
    const error = await (async () => {
      for await (const _chunk of stream) {
        // drain
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect(((error as APIError).error as { code?: string }).code).toBe("shutting_down");
    await closed;
    // Cut at the deadline, not run to its end: the upstream stream was abandoned too.
    await expect.poll(() => upstream.abortedRequests()).toBe(abortedBefore + 1);
  });
});
