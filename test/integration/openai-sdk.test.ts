import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeTokens, startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;
let direct: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl]));
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  direct = new OpenAI({ baseURL: upstream.baseUrl, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const messages = [{ role: "user" as const, content: "Tell me a story" }];

describe("the official openai SDK against the gateway", () => {
  it("chat non-stream returns the upstream's answer and usage", async () => {
    const viaGateway = await client.chat.completions.create({ model: "story", messages });
    const viaDirect = await direct.chat.completions.create({ model: "tiny", messages });
    expect(viaGateway.choices[0]?.message.content).toBe(viaDirect.choices[0]?.message.content);
    expect(viaGateway.usage).toEqual(viaDirect.usage);
    expect(upstream.calls.at(-2)?.body?.["model"]).toBe("tiny");
  });

  it("chat stream: text and usage identical to the upstream's", async () => {
    const collect = async (sdk: OpenAI, model: string): Promise<{ text: string; usage: unknown; chunks: number }> => {
      const stream = await sdk.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
      let text = "";
      let usage: unknown;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      return { text, usage, chunks };
    };
    const viaGateway = await collect(client, "story");
    const viaDirect = await collect(direct, "tiny");
    expect(viaGateway.text).toBe(viaDirect.text);
    expect(viaGateway.text.length).toBeGreaterThan(10);
    expect(viaGateway.usage).toEqual(viaDirect.usage);
    expect(viaGateway.chunks).toBe(viaDirect.chunks);
  });

  it("hides the usage chunk it asked for when the client did not ask", async () => {
    const stream = await client.chat.completions.create({ model: "story", messages, stream: true });
    for await (const chunk of stream) expect(chunk.choices.length).toBe(1);
    expect((upstream.calls.at(-1)?.body?.["stream_options"] as { include_usage?: boolean }).include_usage).toBe(true);
  });

  it("completions and embeddings and models", async () => {
    const completion = await client.completions.create({ model: "story", prompt: "Once", max_tokens: 3 });
    expect(completion.choices[0]?.text).toBe("Once upon a");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    const embeddings = await client.embeddings.create({ model: "story", input: ["a", "b"] });
    expect(embeddings.data).toHaveLength(2);
    expect(embeddings.data[0]?.embedding).toHaveLength(8);
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["story"]);
    expect((await client.models.retrieve("story")).id).toBe("story");
  });
});

describe("pass-through of generation parameters", () => {
  it("sends every parameter to the upstream unchanged except the model name", async () => {
    const tools = [{ type: "function" as const, function: { name: "lookup", description: "find a thing", parameters: { type: "object", properties: { q: { type: "string" } } } } }];
    const request = {
      model: "story",
      messages,
      n: 2,
      stop: ["\n\n", "END"],
      max_tokens: 5,
      max_completion_tokens: 6,
      temperature: 0.3,
      top_p: 0.9,
      seed: 42,
      response_format: { type: "json_object" as const },
      tools,
      tool_choice: "auto" as const,
      presence_penalty: 0.1,
      frequency_penalty: -0.2,
      user: "u-1",
    };
    await client.chat.completions.create({ ...request, ...({ top_k: 40 } as object) });
    const sent = upstream.calls.at(-1)?.body;
    expect(sent).toEqual({ ...request, top_k: 40, model: "tiny", stream: false });
  });

  it("streams legacy completions with usage", async () => {
    const stream = await client.completions.create({ model: "story", prompt: "Once", stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Once upon a time there was a little fox who loved to read.");
    expect(usage).toMatchObject({ completion_tokens: fakeTokens(text).length });
  });
});

describe("health and readiness", () => {
  it("/healthz and /readyz report the process and its deployments", async () => {
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", deployments: [{ id: "story/0", provider: "openai-compatible", state: "ready" }] });
  });
});
