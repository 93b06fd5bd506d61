import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool as langchainTool } from "@langchain/core/tools";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { embed, embedMany, generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { fakeTokens, startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startDemoModelGateway, startTestGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

// Client libraries the gateway's team did not write, driven against a gateway over the fake upstream, whose answers
// follow the request (tool calls, tool-result follow-ups, JSON modes, n choices: test/helpers/fake-answers.ts), over
// the same behind the exact cache, and over the demo model in the embedded engine.
// Each case records what it observed; afterAll prints the client × call → result table (docs/api.md keeps a copy).

const fullText = "Once upon a time there was a little fox who loved to read.";
const weatherSchema = z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]) });
const weatherJsonSchema = {
  type: "object",
  properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
  required: ["city", "unit"],
  additionalProperties: false,
};
const personSchema = z.object({ name: z.string(), age: z.number(), pets: z.array(z.string()), adult: z.boolean() });
const toolAnswer = "sunny, 21 degrees";

let upstream: FakeUpstream;
let gateway: RunningGateway;
let baseURL: string;
const results: Array<{ client: string; call: string; result: string }> = [];

beforeAll(async () => {
  // The SDK warns that plain JSON mode cannot carry a schema: expected in one case, noise in the output.
  (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
  upstream = await startFakeUpstream();
  // `cached` is `story` behind the exact cache: its cases check that tool calls survive storing and replaying.
  const deployment = `{ provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }`;
  gateway = await startTestGateway(`cache: { ttl_seconds: 60 }
models:
  - name: story
    deployments: [${deployment}]
  - name: cached
    cache: { mode: exact }
    deployments: [${deployment}]
`);
  baseURL = `${gateway.url}/v1`;
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  const rows = results.map((row) => `| ${row.client} | ${row.call} | ${row.result.replaceAll("|", "\\|")} |`);
  console.log(["| Client | Call | Result |", "| --- | --- | --- |", ...rows].join("\n"));
});

/** One conformance case: its observation (a short phrase) goes into the table, or FAIL with the error. */
function conformance(client: string, call: string, run: () => Promise<string>): void {
  it(`${client}: ${call}`, async () => {
    try {
      results.push({ client, call, result: `ok: ${await run()}` });
    } catch (error) {
      results.push({ client, call, result: `FAIL: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` });
      throw error;
    }
  });
}

/** The messages the upstream received on its last chat call, as the gateway forwarded them. */
function lastUpstreamMessages(): Array<Record<string, unknown>> {
  const call = upstream.calls.filter((entry) => entry.path === "/v1/chat/completions").at(-1);
  return (call?.body?.["messages"] ?? []) as Array<Record<string, unknown>>;
}

/** How many chat calls reached the upstream so far. */
function upstreamChatCalls(): number {
  return upstream.calls.filter((entry) => entry.path === "/v1/chat/completions").length;
}

function norm(vector: readonly number[]): number {
  return Math.hypot(...vector);
}

describe("the official openai SDK", () => {
  const client = (): OpenAI => new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0 });
  const messages = [{ role: "user" as const, content: "Tell me a story" }];
  const tools = [{ type: "function" as const, function: { name: "get_weather", description: "the weather in a city", parameters: weatherJsonSchema } }];

  conformance("openai", "chat.completions.create", async () => {
    const answer = await client().chat.completions.create({ model: "story", messages });
    expect(answer.choices[0]?.message.content).toBe(fullText);
    expect(answer.usage?.completion_tokens).toBe(fakeTokens(fullText).length);
    return "text and usage";
  });

  conformance("openai", "chat stream", async () => {
    const stream = await client().chat.completions.create({ model: "story", messages, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage ??= chunk.usage ?? undefined;
    }
    expect(text).toBe(fullText);
    expect(usage).toMatchObject({ completion_tokens: fakeTokens(fullText).length });
    return "text deltas and usage chunk";
  });

  conformance("openai", "chat n: 2", async () => {
    const answer = await client().chat.completions.create({ model: "story", messages, n: 2 });
    expect(answer.choices.map((choice) => [choice.index, choice.message.content])).toEqual([[0, fullText], [1, fullText]]);
    return "2 choices, index 0 and 1";
  });

  conformance("openai", "chat stream n: 2", async () => {
    const final = await client().chat.completions.stream({ model: "story", messages, n: 2 }).finalChatCompletion();
    expect(final.choices.map((choice) => choice.message.content)).toEqual([fullText, fullText]);
    return "2 choices assembled by the SDK's stream helper";
  });

  conformance("openai", "response_format json_object", async () => {
    const answer = await client().chat.completions.create({ model: "story", messages, response_format: { type: "json_object" } });
    expect(JSON.parse(answer.choices[0]?.message.content ?? "")).toEqual({ ok: true });
    return "JSON object";
  });

  conformance("openai", "response_format json_schema", async () => {
    const answer = await client().chat.completions.create({
      model: "story",
      messages,
      response_format: { type: "json_schema", json_schema: { name: "weather", schema: weatherJsonSchema, strict: true } },
    });
    expect(weatherSchema.parse(JSON.parse(answer.choices[0]?.message.content ?? ""))).toEqual({ city: "x", unit: "celsius" });
    return "JSON matching the schema";
  });

  conformance("openai", "tools: tool call, then the tool result", async () => {
    const first = await client().chat.completions.create({ model: "story", messages, tools });
    const choice = first.choices[0];
    const call = choice?.message.tool_calls?.[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(call.function.name).toBe("get_weather");
    expect(weatherSchema.parse(JSON.parse(call.function.arguments))).toEqual({ city: "x", unit: "celsius" });
    const second = await client().chat.completions.create({
      model: "story",
      tools,
      messages: [...messages, choice?.message ?? { role: "assistant", content: null }, { role: "tool", tool_call_id: call.id, content: toolAnswer }],
    });
    expect(second.choices[0]?.message.content).toContain(toolAnswer);
    expect(lastUpstreamMessages().at(-1)).toEqual({ role: "tool", tool_call_id: call.id, content: toolAnswer });
    return "finish_reason tool_calls; the tool result reaches the model";
  });

  conformance("openai", "tools stream", async () => {
    const final = await client().chat.completions.stream({ model: "story", messages, tools }).finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" ? [call.function.name, JSON.parse(call.function.arguments)] : undefined).toEqual(["get_weather", { city: "x", unit: "celsius" }]);
    return "tool_calls deltas assembled by the SDK";
  });

  conformance("openai", "embeddings float", async () => {
    const answer = await client().embeddings.create({ model: "story", input: ["a fox", "a book"], encoding_format: "float" });
    expect(answer.data.map((entry) => entry.index)).toEqual([0, 1]);
    for (const entry of answer.data) expect(norm(entry.embedding)).toBeCloseTo(1, 5);
    return "2 unit vectors";
  });

  conformance("openai", "embeddings base64", async () => {
    const answer = await client().embeddings.create({ model: "story", input: "a fox", encoding_format: "base64" });
    const encoded = answer.data[0]?.embedding as unknown as string;
    const bytes = Buffer.from(encoded, "base64");
    const vector = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    expect(vector).toHaveLength(8);
    expect(norm(vector)).toBeCloseTo(1, 5);
    return "base64 float32 vector";
  });
});

describe("@langchain/openai", () => {
  const chat = (): ChatOpenAI => new ChatOpenAI({ model: "story", apiKey: "unused", maxRetries: 0, configuration: { baseURL } });
  const getWeather = langchainTool(async ({ city }) => `${city}: ${toolAnswer}`, { name: "get_weather", description: "the weather in a city", schema: weatherSchema });

  conformance("langchain", "ChatOpenAI.invoke", async () => {
    const message: AIMessage = await chat().invoke("Tell me a story");
    expect(message.content).toBe(fullText);
    expect(message.usage_metadata).toMatchObject({ output_tokens: fakeTokens(fullText).length });
    return "text and usage_metadata";
  });

  conformance("langchain", "ChatOpenAI.stream", async () => {
    let text = "";
    for await (const chunk of await chat().stream("Tell me a story")) text += typeof chunk.content === "string" ? chunk.content : "";
    expect(text).toBe(fullText);
    return "text chunks";
  });

  conformance("langchain", "bindTools: tool call, then ToolMessage", async () => {
    const model = chat().bindTools([getWeather]);
    const question = new HumanMessage("Weather in Paris?");
    const first: AIMessage = await model.invoke([question]);
    const call = first.tool_calls?.[0];
    expect(call).toMatchObject({ name: "get_weather", args: { city: "x", unit: "celsius" } });
    if (call === undefined) throw new Error("expected a tool call");
    const result = await getWeather.invoke({ ...call, type: "tool_call" });
    if (!(result instanceof ToolMessage)) throw new Error("a tool invoked with a tool call answers with a ToolMessage");
    const second = await model.invoke([question, first, result]);
    expect(second.content).toContain(toolAnswer);
    return "tool_calls parsed; the ToolMessage answer comes back";
  });

  conformance("langchain", "withStructuredOutput(zod)", async () => {
    const person = await chat().withStructuredOutput(personSchema, { name: "person" }).invoke("Describe a person");
    expect(person).toEqual({ name: "x", age: 1, pets: ["x"], adult: true });
    expect(upstream.calls.at(-1)?.body?.["response_format"]).toMatchObject({ type: "json_schema" });
    return "parsed object (json_schema method)";
  });

  conformance("langchain", "OpenAIEmbeddings embedQuery / embedDocuments", async () => {
    const embeddings = new OpenAIEmbeddings({ model: "story", apiKey: "unused", maxRetries: 0, configuration: { baseURL } });
    const query = await embeddings.embedQuery("a fox");
    const documents = await embeddings.embedDocuments(["a fox", "a book", "a tree"]);
    expect(query).toHaveLength(8);
    expect(documents).toHaveLength(3);
    expect(documents[0]).toEqual(query);
    return "vectors, query equals its document";
  });
});

describe("the Vercel AI SDK with @ai-sdk/openai-compatible", () => {
  const provider = (structured = false): ReturnType<typeof createOpenAICompatible> =>
    createOpenAICompatible({ baseURL, name: "gantry", apiKey: "unused", includeUsage: true, supportsStructuredOutputs: structured });
  const weatherTool = tool({ description: "the weather in a city", inputSchema: weatherSchema, execute: async ({ city }) => `${city}: ${toolAnswer}` });

  conformance("ai + openai-compatible", "generateText", async () => {
    const result = await generateText({ model: provider()("story"), prompt: "Tell me a story", maxRetries: 0 });
    expect(result.text).toBe(fullText);
    expect(result.usage.outputTokens).toBe(fakeTokens(fullText).length);
    return "text and usage";
  });

  conformance("ai + openai-compatible", "streamText", async () => {
    const result = streamText({ model: provider()("story"), prompt: "Tell me a story", maxRetries: 0 });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe(fullText);
    expect((await result.usage).outputTokens).toBe(fakeTokens(fullText).length);
    expect(await result.finishReason).toBe("stop");
    return "text stream, usage, finish reason";
  });

  conformance("ai + openai-compatible", "generateObject (supportsStructuredOutputs: json_schema)", async () => {
    const result = await generateObject({ model: provider(true)("story"), schema: personSchema, prompt: "Describe a person", maxRetries: 0 });
    expect(result.object).toEqual({ name: "x", age: 1, pets: ["x"], adult: true });
    expect(upstream.calls.at(-1)?.body?.["response_format"]).toMatchObject({ type: "json_schema" });
    return "object matching the zod schema";
  });

  conformance("ai + openai-compatible", "generateObject (default: json_object)", async () => {
    const result = await generateObject({ model: provider()("story"), schema: z.object({ ok: z.boolean() }), prompt: "Are you ok?", maxRetries: 0 });
    expect(result.object).toEqual({ ok: true });
    expect(upstream.calls.at(-1)?.body?.["response_format"]).toEqual({ type: "json_object" });
    return "object from JSON mode";
  });

  conformance("ai + openai-compatible", "generateText with a tool, stopWhen: stepCountIs(3)", async () => {
    const result = await generateText({ model: provider()("story"), prompt: "Weather in Paris?", tools: { get_weather: weatherTool }, stopWhen: stepCountIs(3), maxRetries: 0 });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.toolCalls.map((call) => [call.toolName, call.input])).toEqual([["get_weather", { city: "x", unit: "celsius" }]]);
    expect(result.text).toContain(`x: ${toolAnswer}`);
    return "tool called, its result sent back, final text";
  });

  conformance("ai + openai-compatible", "streamText with a tool, stopWhen: stepCountIs(3)", async () => {
    const result = streamText({ model: provider()("story"), prompt: "Weather in Paris?", tools: { get_weather: weatherTool }, stopWhen: stepCountIs(3), maxRetries: 0 });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    const steps = await result.steps;
    expect(steps[0]?.finishReason).toBe("tool-calls");
    expect(steps[0]?.toolResults.map((entry) => entry.output)).toEqual([`x: ${toolAnswer}`]);
    expect(text).toContain(`x: ${toolAnswer}`);
    return "streamed tool call, then streamed answer";
  });

  conformance("ai + openai-compatible", "embed / embedMany", async () => {
    const model = provider().embeddingModel("story");
    const one = await embed({ model, value: "a fox", maxRetries: 0 });
    const many = await embedMany({ model, values: ["a fox", "a book"], maxRetries: 0 });
    expect(one.embedding).toHaveLength(8);
    expect(many.embeddings).toHaveLength(2);
    expect(many.embeddings[0]).toEqual(one.embedding);
    return "vectors";
  });
});

describe("the Vercel AI SDK with @ai-sdk/openai .chat() (chat completions)", () => {
  const model = (): ReturnType<ReturnType<typeof createOpenAI>["chat"]> => createOpenAI({ baseURL, apiKey: "unused" }).chat("story");

  conformance("ai + openai .chat()", "generateText", async () => {
    const result = await generateText({ model: model(), prompt: "Tell me a story", maxRetries: 0 });
    expect(result.text).toBe(fullText);
    return "text";
  });

  conformance("ai + openai .chat()", "streamText", async () => {
    const result = streamText({ model: model(), prompt: "Tell me a story", maxRetries: 0 });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe(fullText);
    expect((await result.usage).outputTokens).toBe(fakeTokens(fullText).length);
    return "text stream and usage";
  });

  conformance("ai + openai .chat()", "generateText with a tool", async () => {
    const weatherTool = tool({ description: "the weather in a city", inputSchema: weatherSchema, execute: async ({ city }) => `${city}: ${toolAnswer}` });
    const result = await generateText({ model: model(), prompt: "Weather in Paris?", tools: { get_weather: weatherTool }, stopWhen: stepCountIs(3), maxRetries: 0 });
    expect(result.steps).toHaveLength(2);
    expect(result.text).toContain(`x: ${toolAnswer}`);
    return "tool round trip";
  });
});

describe("tool calls through the exact cache", () => {
  const tools = [{ type: "function" as const, function: { name: "get_weather", description: "the weather in a city", parameters: weatherJsonSchema } }];

  conformance("openai (exact cache)", "tool call stored from a stream, replayed whole; stored whole, replayed as a stream", async () => {
    const client = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0 });
    const ask = (content: string): { model: string; messages: Array<{ role: "user"; content: string }>; tools: typeof tools; temperature: number } => ({ model: "cached", messages: [{ role: "user", content }], tools, temperature: 0 });
    const before = upstreamChatCalls();
    const streamedFirst = await client.chat.completions.stream(ask("weather, streamed first")).finalChatCompletion();
    const wholeAfter = await client.chat.completions.create(ask("weather, streamed first"));
    const wholeFirst = await client.chat.completions.create(ask("weather, whole first"));
    const streamedAfter = await client.chat.completions.stream(ask("weather, whole first")).finalChatCompletion();
    expect(upstreamChatCalls() - before).toBe(2);
    for (const final of [streamedFirst, wholeAfter, wholeFirst, streamedAfter]) {
      expect(final.choices[0]?.finish_reason).toBe("tool_calls");
      expect(final.choices[0]?.message.tool_calls).toEqual([{ id: "call_fake_0", type: "function", function: { name: "get_weather", arguments: '{"city":"x","unit":"celsius"}' } }]);
    }
    return "the same tool call from the upstream and from the cache, either way";
  });

  conformance("ai + openai-compatible (exact cache)", "streamText with a tool, twice", async () => {
    const model = createOpenAICompatible({ baseURL, name: "gantry", apiKey: "unused", includeUsage: true })("cached");
    const weatherTool = tool({ description: "the weather in a city", inputSchema: weatherSchema, execute: async ({ city }) => `${city}: ${toolAnswer}` });
    const run = async (): Promise<string> => {
      const result = streamText({ model, prompt: "Weather in Rome?", tools: { get_weather: weatherTool }, stopWhen: stepCountIs(3), temperature: 0, maxRetries: 0 });
      let text = "";
      for await (const delta of result.textStream) text += delta;
      return text;
    };
    const before = upstreamChatCalls();
    const first = await run();
    const second = await run();
    expect(upstreamChatCalls() - before).toBe(2);
    expect(second).toBe(first);
    expect(second).toContain(`x: ${toolAnswer}`);
    return "the second agent loop is served from the cache, both steps";
  });
});

describe("the clients against the demo model (embedded engine)", () => {
  let demo: RunningGateway;
  let demoURL: string;
  const prompt = "Tell me a story.";

  beforeAll(async () => {
    demo = await startDemoModelGateway("embeddings: true");
    demoURL = `${demo.url}/v1`;
  });
  afterAll(() => demo.close());

  const compatible = (structured = false): ReturnType<typeof createOpenAICompatible> =>
    createOpenAICompatible({ baseURL: demoURL, name: "gantry", apiKey: "unused", includeUsage: true, supportsStructuredOutputs: structured });

  conformance("openai (demo model)", "chat.completions.create / stream", async () => {
    const client = new OpenAI({ baseURL: demoURL, apiKey: "unused", maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "demo", messages: [{ role: "user", content: prompt }], max_tokens: 16, seed: 1 });
    expect(answer.choices[0]?.message.content?.trim().length).toBeGreaterThan(0);
    const stream = await client.chat.completions.create({ model: "demo", messages: [{ role: "user", content: prompt }], max_tokens: 16, seed: 1, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(answer.choices[0]?.message.content);
    return "text; the stream equals the answer for the same seed";
  });

  conformance("langchain (demo model)", "ChatOpenAI.invoke", async () => {
    const message: AIMessage = await new ChatOpenAI({ model: "demo", apiKey: "unused", maxRetries: 0, maxTokens: 16, configuration: { baseURL: demoURL } }).invoke(prompt);
    expect(typeof message.content === "string" && message.content.trim().length > 0).toBe(true);
    return "text";
  });

  conformance("ai + openai-compatible (demo model)", "generateText / streamText", async () => {
    const generated = await generateText({ model: compatible()("demo"), prompt, maxOutputTokens: 16, seed: 1, maxRetries: 0 });
    expect(generated.text.trim().length).toBeGreaterThan(0);
    const streamed = streamText({ model: compatible()("demo"), prompt, maxOutputTokens: 16, seed: 1, maxRetries: 0 });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(generated.text);
    return "text; the stream equals the answer for the same seed";
  });

  conformance("ai + openai-compatible (demo model)", "generateObject (json_schema, grammar-enforced)", async () => {
    const result = await generateObject({ model: compatible(true)("demo"), schema: z.object({ ok: z.boolean() }), prompt: "Are you ok?", maxOutputTokens: 40, seed: 1, maxRetries: 0 });
    expect(typeof result.object.ok).toBe("boolean");
    return "object matching the schema";
  });

  conformance("ai + openai-compatible (demo model)", "generateText with a tool", async () => {
    const weatherTool = tool({ description: "the weather in a city", inputSchema: weatherSchema, execute: async ({ city }) => city });
    const failure = await generateText({ model: compatible()("demo"), prompt: "Weather?", tools: { get_weather: weatherTool }, maxRetries: 0 }).then(() => undefined, (error: unknown) => error);
    expect(failure).toMatchObject({ statusCode: 400 });
    expect(String((failure as Error).message)).toContain("tools are not supported");
    return "refused with a clear 400 (the engine does not serve tools)";
  });

  conformance("ai + openai-compatible (demo model)", "embed / embedMany", async () => {
    const model = compatible().embeddingModel("demo");
    const one = await embed({ model, value: "a fox", maxRetries: 0 });
    const many = await embedMany({ model, values: ["a fox", "a book"], maxRetries: 0 });
    expect(one.embedding.length).toBeGreaterThan(0);
    expect(many.embeddings[0]).toEqual(one.embedding);
    return "vectors";
  });
});
