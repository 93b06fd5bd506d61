import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

// Bodies over server.large_body_bytes are decoded and parsed on a worker thread (ADR 0010): what the upstream gets
// and what the client is told must be what the main-thread path gives.

let upstream: FakeUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl], "limits: { max_prompt_tokens: 10000000 }").replace("server: {", "server: { large_body_bytes: 65536,"));
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

async function post(body: Buffer): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const answer = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, code: answer.error?.code };
}

describe("a large body parsed off the main thread", () => {
  it("reaches the upstream intact, non-ASCII text included", async () => {
    const messages = Array.from({ length: 8 }, (_, index) => ({ role: "user", content: `naïve café ${index} — ${"ü".repeat(40_000)} 🦊` }));
    expect(await post(Buffer.from(JSON.stringify({ model: "story", messages })))).toEqual({ status: 200, code: undefined });
    expect(upstream.calls.at(-1)?.body?.["messages"]).toEqual(messages);
  });

  it("answers 400 invalid_encoding for malformed UTF-8 and 400 invalid_json for malformed JSON", async () => {
    const padding = "x".repeat(200_000);
    const malformed = Buffer.concat([Buffer.from(`{"model":"story","messages":[{"role":"user","content":"${padding}`), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')]);
    expect(await post(malformed)).toEqual({ status: 400, code: "invalid_encoding" });
    expect(await post(Buffer.from(`{"model":"story","messages":[{"role":"user","content":"${padding}"}]`))).toEqual({ status: 400, code: "invalid_json" });
    expect(await post(Buffer.from(`[${JSON.stringify(padding)}]`))).toEqual({ status: 400, code: "invalid_request" });
  });
});
