import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gaugeValue, startEngineGateway, storiesModel, waitFor, type EngineGateway } from "./engine-helpers.js";

// One gateway, four deployments: a batched model with embeddings, a one-sequence model with a one-slot queue
// (for queueing, 429 and abort), and a deployment whose model file does not exist.
const yaml = `
server: { shutdown_grace_ms: 2000 }
models:
  - name: story
    deployments:
      - { provider: llama-cpp, model: "${storiesModel}", context_size: 2048, parallel: 16, queue_size: 32, threads: 1, embeddings: true }
  - name: solo
    deployments:
      - { provider: llama-cpp, model: "${storiesModel}", context_size: 4096, parallel: 1, queue_size: 1, threads: 1 }
  - name: broken
    deployments:
      - { provider: llama-cpp, model: "${storiesModel}.missing", threads: 1 }
`;

let engine: EngineGateway;
let client: OpenAI;

beforeAll(async () => {
  engine = await startEngineGateway(yaml);
  client = engine.client;
});

afterAll(async () => {
  await engine.close();
});

const story = [{ role: "user" as const, content: "Tell me a story about a cat." }];

async function collectChat(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>): Promise<{ text: string; chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] }> {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  let text = "";
  for await (const chunk of stream) {
    chunks.push(chunk);
    text += chunk.choices[0]?.delta.content ?? "";
  }
  return { text, chunks };
}

describe("llama-cpp engine through the gateway (openai SDK)", () => {
  it("completes text greedily with exact token counts", async () => {
    const completion = await client.completions.create({ model: "story", prompt: "Once upon a time", max_tokens: 12, temperature: 0 });
    expect(completion.object).toBe("text_completion");
    expect(completion.choices[0]?.text).toMatch(/^, there was a little girl named Lily/);
    expect(completion.choices[0]?.finish_reason).toBe("length");
    // BOS + "Once upon a time" is 5 tokens in this vocabulary.
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
  });

  it("streams a completion token by token, identical to the non-streamed answer for the same seed", async () => {
    const request = { model: "story", prompt: "The dog", max_tokens: 24, seed: 7 };
    const whole = await client.completions.create(request);
    const stream = await client.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.Completions.CompletionUsage | undefined;
    let finish: string | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("text_completion");
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      chunks++;
      text += choice.text;
      finish ??= choice.finish_reason;
    }
    expect(text).toBe(whole.choices[0]?.text);
    expect(chunks).toBeGreaterThan(5);
    expect(finish).toBe(whole.choices[0]?.finish_reason);
    expect(usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
    expect(usage?.prompt_tokens).toBe(whole.usage?.prompt_tokens);
  });

  it("answers chat non-stream and stream through the fallback template", async () => {
    const whole = await client.chat.completions.create({ model: "story", messages: story, max_tokens: 30, seed: 3 });
    expect(whole.object).toBe("chat.completion");
    expect(whole.choices[0]?.message.role).toBe("assistant");
    expect(whole.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(whole.choices[0]?.finish_reason);
    expect(whole.usage?.prompt_tokens).toBeGreaterThan(10);

    const { text, chunks } = await collectChat(await client.chat.completions.create({ model: "story", messages: story, max_tokens: 30, seed: 3, stream: true }));
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe(whole.choices[0]?.finish_reason);
    // The client did not ask for usage, so the provider's own usage chunk stays hidden.
    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage == null)).toBe(true);
  });

  it("gives the same output for the same seed and input, and different output for another seed", async () => {
    const ask = (seed: number): Promise<string> =>
      client.chat.completions.create({ model: "story", messages: story, max_tokens: 40, temperature: 1, seed }).then((answer) => answer.choices[0]?.message.content ?? "");
    const first = await ask(42);
    expect(await ask(42)).toBe(first);
    const others = await Promise.all([ask(43), ask(44)]);
    expect(others.some((other) => other !== first)).toBe(true);
  });

  it("honours stop strings, max_tokens, top_p/top_k and n", async () => {
    const stopped = await client.completions.create({ model: "story", prompt: "Once upon a time", max_tokens: 40, temperature: 0, stop: ["Lily"] });
    expect(stopped.choices[0]?.text).toBe(", there was a little girl named ");
    expect(stopped.choices[0]?.finish_reason).toBe("stop");

    const sampled = await client.completions.create({ model: "story", prompt: "Once upon a time", max_tokens: 10, top_p: 0.5, seed: 1, ...{ top_k: 5 } });
    expect(sampled.usage?.completion_tokens).toBeLessThanOrEqual(10);

    const two = await client.chat.completions.create({ model: "story", messages: story, max_tokens: 20, n: 2, seed: 5 });
    expect(two.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(two.choices[0]?.message.content).not.toBe(two.choices[1]?.message.content);
  });

  it("enforces json_schema and json_object with a grammar", async () => {
    const schema = {
      type: "object",
      properties: { name: { type: "string", maxLength: 12 }, age: { type: "integer" }, mood: { enum: ["happy", "sad"] } },
      required: ["name", "age", "mood"],
      additionalProperties: false,
    };
    const answer = await client.chat.completions.create({
      model: "story",
      messages: [{ role: "user", content: "Describe the girl as JSON." }],
      max_tokens: 120,
      seed: 11,
      response_format: { type: "json_schema", json_schema: { name: "girl", schema } },
    });
    const parsed = JSON.parse(answer.choices[0]?.message.content ?? "") as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(["age", "mood", "name"]);
    expect(typeof parsed["name"]).toBe("string");
    expect((parsed["name"] as string).length).toBeLessThanOrEqual(12);
    expect(Number.isInteger(parsed["age"])).toBe(true);
    expect(["happy", "sad"]).toContain(parsed["mood"]);
    expect(answer.choices[0]?.finish_reason).toBe("stop");

    const object = await client.chat.completions.create({ model: "story", messages: story, max_tokens: 200, seed: 2, response_format: { type: "json_object" } });
    if (object.choices[0]?.finish_reason === "stop") expect(() => JSON.parse(object.choices[0]?.message.content ?? "") as unknown).not.toThrow();
    else expect(object.choices[0]?.message.content?.trimStart().startsWith("{") || object.choices[0]?.message.content?.trimStart().startsWith("[")).toBe(true);

    const typo = { type: "object", properties: { a: { type: "strnig" } } };
    await expect(client.chat.completions.create({ model: "story", messages: story, response_format: { type: "json_schema", json_schema: { name: "x", schema: typo } } })).rejects.toMatchObject({
      status: 400,
      param: "response_format.json_schema.schema",
    });
  });

  it("runs 16 concurrent streams to completion, each matching its unbatched answer", async () => {
    const prompts = Array.from({ length: 16 }, (_, index) => ({ model: "story", prompt: `Once upon a time there was a ${["cat", "dog", "bird", "fish"][index % 4]}`, max_tokens: 48, seed: 100 + index, ...{ ignore_eos: true } }));
    const streamed = await Promise.all(
      prompts.map(async (request) => {
        const stream = await client.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
        let text = "";
        let tokens = 0;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.text ?? "";
          if (chunk.usage) tokens = chunk.usage.completion_tokens;
        }
        return { text, tokens };
      }),
    );
    for (const result of streamed) expect(result.tokens).toBe(48);
    // Sampling is seeded per request, so batching must not change what each request gets.
    const alone: string[] = [];
    for (const request of prompts.slice(0, 4)) alone.push((await client.completions.create(request)).choices[0]?.text ?? "");
    expect(streamed.slice(0, 4).map((result) => result.text)).toEqual(alone);
  });

  it("does not make a new request wait for a long generation to finish (fair scheduling)", async () => {
    // Leave state in every sequence, so the newcomer must trim a cache while the long generation decodes.
    await Promise.all(Array.from({ length: 16 }, (_, index) => client.completions.create({ model: "story", prompt: `Warm ${index}`, max_tokens: 2 })));
    let longFinished = 0;
    const long = Array.from({ length: 3 }, (_, index) =>
      client.completions.create({ model: "story", prompt: `Once upon a time ${index}`, max_tokens: 1000, stream: true, ...{ ignore_eos: true } }).then(async (stream) => {
        for await (const chunk of stream) void chunk;
        longFinished++;
      }),
    );
    await waitFor(async () => (await gaugeValue(engine.metrics, "vllm:num_requests_running", "story")) === 3, 5_000, 5);
    const short = await client.completions.create({ model: "story", prompt: "A new little story", max_tokens: 5 });
    expect(short.usage?.completion_tokens).toBe(5);
    expect(longFinished).toBe(0);
    await Promise.all(long);
  });

  it("reuses the KV cache for a follow-up turn of the same conversation", async () => {
    const system = { role: "system" as const, content: "You are a storyteller. ".repeat(20) };
    const first = await client.chat.completions.create({ model: "story", messages: [system, ...story], max_tokens: 20, seed: 9 });
    const followUp = await client.chat.completions.create({
      model: "story",
      messages: [system, ...story, { role: "assistant", content: first.choices[0]?.message.content ?? "" }, { role: "user", content: "And then?" }],
      max_tokens: 10,
      seed: 9,
    });
    const cached = followUp.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(first.usage?.prompt_tokens ?? Infinity);
    expect(cached).toBeLessThan(followUp.usage?.prompt_tokens ?? 0);
  });

  it("refuses prompts that do not fit the context window with 400 context_length_exceeded", async () => {
    const long = "the cat sat on the mat ".repeat(600);
    await expect(client.completions.create({ model: "story", prompt: long, max_tokens: 5 })).rejects.toMatchObject({ status: 400, code: "context_length_exceeded" });
    await expect(client.completions.create({ model: "story", prompt: "Once", max_tokens: 2047 })).rejects.toMatchObject({ status: 400, code: "context_length_exceeded", param: "max_tokens" });
  });

  it("refuses what the engine cannot do with a 400 naming the parameter", async () => {
    await expect(client.completions.create({ model: "story", prompt: [1, 403, 99_999], max_tokens: 2 })).rejects.toMatchObject({ status: 400, param: "prompt" });
    await expect(client.chat.completions.create({ model: "story", messages: story, logprobs: true })).rejects.toMatchObject({ status: 400, param: "logprobs" });
    await expect(client.chat.completions.create({ model: "story", messages: story, tools: [{ type: "function", function: { name: "f" } }] })).rejects.toMatchObject({ status: 400, param: "tools" });
    const tokens = await client.completions.create({ model: "story", prompt: [1, 403, 407], max_tokens: 3, temperature: 0 });
    expect(tokens.usage?.prompt_tokens).toBe(3);
  });

  it("serves embeddings from the same model, and says so when a deployment has none", async () => {
    const embeddings = await client.embeddings.create({ model: "story", input: ["a happy cat", "a sad dog"] });
    expect(embeddings.data).toHaveLength(2);
    expect(embeddings.data[0]?.embedding).toHaveLength(64);
    expect(embeddings.data[0]?.embedding).not.toEqual(embeddings.data[1]?.embedding);
    expect(embeddings.usage.prompt_tokens).toBeGreaterThan(4);
    // Asked for explicitly, base64 reaches the caller undecoded: little-endian float32s.
    const base64 = await client.embeddings.create({ model: "story", input: "a happy cat", encoding_format: "base64" });
    const decoded = new Float32Array(new Uint8Array(Buffer.from(base64.data[0]?.embedding as unknown as string, "base64")).buffer);
    expect([...decoded]).toEqual(embeddings.data[0]?.embedding);
    // Unit length by default, as OpenAI's; `dimensions` truncates and renormalises, and cannot exceed the model's size.
    const norm = (vector: readonly number[]): number => Math.hypot(...vector);
    expect(norm(embeddings.data[0]?.embedding ?? [])).toBeCloseTo(1, 5);
    const short = await client.embeddings.create({ model: "story", input: "a happy cat", dimensions: 16 });
    expect(short.data[0]?.embedding).toHaveLength(16);
    expect(norm(short.data[0]?.embedding ?? [])).toBeCloseTo(1, 5);
    await expect(client.embeddings.create({ model: "story", input: "a happy cat", dimensions: 65 })).rejects.toMatchObject({ status: 400, param: "dimensions" });
    await expect(client.embeddings.create({ model: "story", input: ["a", "", "b"] })).rejects.toMatchObject({ status: 400, param: "input[1]", message: expect.stringContaining("input[1]: empty string") });
    await expect(client.embeddings.create({ model: "solo", input: "x" })).rejects.toMatchObject({ status: 400, code: "operation_not_supported" });
  });

  it("keeps serving when one deployment failed to load, and /readyz says which", async () => {
    const response = await fetch(`${engine.gateway.url}/readyz`);
    expect(response.status).toBe(200);
    const ready = (await response.json()) as { deployments: { id: string; state: string; reason?: string }[] };
    expect(ready.deployments.find((deployment) => deployment.id === "story/0")?.state).toBe("ready");
    const broken = ready.deployments.find((deployment) => deployment.id === "broken/0");
    expect(broken?.state).toBe("failed");
    expect(broken?.reason).toMatch(/not found/);
    await expect(client.chat.completions.create({ model: "broken", messages: story })).rejects.toMatchObject({ status: 503 });
    expect((await client.completions.create({ model: "story", prompt: "Once", max_tokens: 3 })).choices).toHaveLength(1);
  });

  it("queues beyond `parallel` and answers 429 with Retry-After when the queue is full", async () => {
    const holder = new AbortController();
    const long = await client.completions.create({ model: "solo", prompt: "Once upon a time", max_tokens: 4000, stream: true, ...{ ignore_eos: true } }, { signal: holder.signal });
    const reader = long[Symbol.asyncIterator]();
    await reader.next();
    const queued = client.completions.create({ model: "solo", prompt: "Once", max_tokens: 3 });
    await waitFor(async () => (await gaugeValue(engine.metrics, "vllm:num_requests_waiting", "solo")) === 1, 5_000);
    const refused = await client.completions.create({ model: "solo", prompt: "Once", max_tokens: 3 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(APIError);
    expect((refused as APIError).status).toBe(429);
    expect((refused as APIError).code).toBe("engine_overloaded");
    expect((refused as APIError).headers?.get("retry-after")).toBe("1");
    holder.abort();
    expect((await queued).usage?.completion_tokens).toBe(3);
  });

  it("stops an aborted stream's sequence within a step while other streams carry on", async () => {
    const others = Array.from({ length: 3 }, (_, index) =>
      client.completions.create({ model: "story", prompt: "The sun", max_tokens: 300, seed: index, stream: true, stream_options: { include_usage: true }, ...{ ignore_eos: true } }).then(async (stream) => {
        let tokens = 0;
        for await (const chunk of stream) if (chunk.usage) tokens = chunk.usage.completion_tokens;
        return tokens;
      }),
    );
    const controller = new AbortController();
    // 4000 tokens would take this model seconds; an abort that works frees the sequence at once.
    const doomed = await client.completions.create({ model: "solo", prompt: "Once upon a time", max_tokens: 4000, stream: true, ...{ ignore_eos: true } }, { signal: controller.signal });
    let received = 0;
    for await (const chunk of doomed) {
      if (chunk.choices[0]?.text !== undefined) received++;
      if (received === 5) {
        controller.abort();
        break;
      }
    }
    expect(received).toBe(5);
    await waitFor(async () => (await gaugeValue(engine.metrics, "vllm:num_requests_running", "solo")) === 0, 1_500);
    expect((await client.completions.create({ model: "solo", prompt: "Once", max_tokens: 2 })).usage?.completion_tokens).toBe(2);
    expect(await Promise.all(others)).toEqual([300, 300, 300]);
  });
});
