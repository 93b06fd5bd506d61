import { request as httpRequest } from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

const bodyLimitBytes = 65_536;
let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(`server: { body_limit_bytes: ${bodyLimitBytes} }
models:
  - name: story
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: internal-tiny-v3 }
  - name: org/story-7b
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const messages = [{ role: "user" as const, content: "hi" }];

describe("the answer carries the model name the client used", () => {
  it("non-stream, every stream chunk and embeddings; the upstream's name is in x-gantry-upstream-model", async () => {
    const { data, response } = await client.chat.completions.create({ model: "story", messages }).withResponse();
    expect(data.model).toBe("story");
    expect(response.headers.get("x-gantry-upstream-model")).toBe("internal-tiny-v3");
    expect(upstream.calls.at(-1)?.body?.["model"]).toBe("internal-tiny-v3");
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true, stream_options: { include_usage: true } }).withResponse();
    expect(stream.response.headers.get("x-gantry-upstream-model")).toBe("internal-tiny-v3");
    const models = new Set<string>();
    for await (const chunk of stream.data) models.add(chunk.model);
    expect([...models]).toEqual(["story"]);
    const completion = await client.completions.create({ model: "story", prompt: "once" });
    expect(completion.model).toBe("story");
    const embedding = await client.embeddings.create({ model: "story", input: "hello" });
    expect(embedding.model).toBe("story");
  });
});

describe("model ids with a slash", () => {
  it("GET /v1/models/org/name resolves unencoded as well as encoded", async () => {
    for (const path of ["/v1/models/org/story-7b", "/v1/models/org%2Fstory-7b"]) {
      const response = await request(`${gateway.url}${path}`);
      expect([path, response.statusCode]).toEqual([path, 200]);
      expect(((await response.body.json()) as { id: string }).id).toBe("org/story-7b");
    }
    expect((await client.models.retrieve("org/story-7b")).id).toBe("org/story-7b");
    const missing = await request(`${gateway.url}/v1/models/org/nope`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
    const chat = await client.chat.completions.create({ model: "org/story-7b", messages });
    expect(chat.model).toBe("org/story-7b");
  });
});

describe("Expect: 100-continue", () => {
  /** Sends headers only, and reports whether 100 Continue or a final status came first. */
  function expectContinue(contentLength: number): Promise<{ first: "continue" | number; status: number }> {
    const url = new URL(`${gateway.url}/v1/chat/completions`);
    return new Promise((resolve, reject) => {
      let first: "continue" | number | undefined;
      const outgoing = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": contentLength, expect: "100-continue" } });
      outgoing.on("continue", () => {
        first ??= "continue";
        outgoing.end(JSON.stringify({ model: "story", messages }).padEnd(contentLength, " "));
      });
      outgoing.on("response", (response) => {
        first ??= response.statusCode ?? 0;
        response.resume();
        response.on("end", () => resolve({ first: first ?? 0, status: response.statusCode ?? 0 }));
      });
      outgoing.on("error", reject);
      outgoing.flushHeaders();
    });
  }

  it("a declared body over the limit gets 413 before any 100 Continue; one within it gets 100 Continue", async () => {
    expect(await expectContinue(bodyLimitBytes + 1)).toEqual({ first: 413, status: 413 });
    expect(await expectContinue(1000)).toEqual({ first: "continue", status: 200 });
  });
});

describe("upstream 429 and 503", () => {
  it("keep their status and forward Retry-After", async () => {
    upstream.enqueue({ kind: "status", status: 503, headers: { "retry-after": "12" } });
    const unavailable = await request(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages }) });
    const unavailableBody = (await unavailable.body.json()) as { error: { code: string } };
    expect([unavailable.statusCode, unavailableBody.error.code, unavailable.headers["retry-after"]]).toEqual([503, "upstream_unavailable", "12"]);
    upstream.enqueue({ kind: "status", status: 429, headers: { "retry-after": "3" } });
    const limited = await request(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages }) });
    const limitedBody = (await limited.body.json()) as { error: { code: string } };
    expect([limited.statusCode, limitedBody.error.code, limited.headers["retry-after"]]).toEqual([429, "upstream_rate_limited", "3"]);
  });
});
