import { createOpenAI } from "@ai-sdk/openai";
import { generateObject, generateText, stepCountIs, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { fakeTokens, startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { startClockedGateway, startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

const story = "Once upon a time there was a little fox who loved to read.";
const weatherTool = { type: "function" as const, name: "weather", description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false }, strict: true };

let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl]));
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

/** The chat request the upstream received last. */
const lastChat = (): Record<string, unknown> => upstream.calls.filter((call) => call.path === "/v1/chat/completions").at(-1)?.body ?? {};

describe("POST /v1/responses through the openai SDK, over an upstream that only speaks chat completions", () => {
  it("creates a response: text, usage, and the chat request it became", async () => {
    const response = await client.responses.create({ model: "story", instructions: "Be brief.", input: "Tell me a story", temperature: 0.5, max_output_tokens: 100, metadata: { run: "1" } });
    expect(response).toMatchObject({ object: "response", status: "completed", model: "story", instructions: "Be brief.", metadata: { run: "1" }, store: true });
    expect(response.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(response.output_text).toBe(story);
    expect(response.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: story }] });
    const sent = lastChat();
    expect(sent).toMatchObject({ model: "tiny", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Tell me a story" }], temperature: 0.5, max_tokens: 100 });
    const promptTokens = fakeTokens(JSON.stringify(sent["messages"])).length;
    expect(response.usage).toMatchObject({ input_tokens: promptTokens, output_tokens: fakeTokens(story).length, total_tokens: promptTokens + fakeTokens(story).length });
  });

  it("maps input items: messages with content parts, developer and assistant turns", async () => {
    await client.responses.create({
      model: "story",
      input: [
        { role: "developer", content: "Answer in English." },
        { role: "user", content: [{ type: "input_text", text: "Hello" }] },
        { type: "message", id: "msg_earlier", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hi!", annotations: [] }] },
        { role: "user", content: "Tell me a story" },
      ],
    });
    expect(lastChat()["messages"]).toEqual([
      { role: "system", content: "Answer in English." },
      { role: "user", content: "Hello" },
      { role: "assistant", content: "Hi!" },
      { role: "user", content: "Tell me a story" },
    ]);
  });

  it("streams with the Responses event types, ending in response.completed with usage", async () => {
    const stream = await client.responses.create({ model: "story", input: "Tell me a story", stream: true });
    const types: string[] = [];
    let text = "";
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(text).toBe(story);
    expect(types.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(types.filter((type) => type === "response.output_text.delta")).toHaveLength(fakeTokens(story).length);
    expect(types.slice(-4)).toEqual(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]);
    expect(completed?.output_text ?? completed?.output[0]).toBeTruthy();
    expect(completed?.usage?.output_tokens).toBe(fakeTokens(story).length);
    expect(lastChat()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("client.responses.stream gives the final response", async () => {
    const stream = client.responses.stream({ model: "story", input: "Tell me a story" });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(story);
    expect(final.status).toBe("completed");
  });

  it("retrieves and deletes stored responses; store: false stores nothing", async () => {
    const created = await client.responses.create({ model: "story", input: "Tell me a story" });
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved).toMatchObject({ id: created.id, status: "completed", output: created.output });
    await client.responses.delete(created.id);
    await expect(client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.delete(created.id)).rejects.toMatchObject({ status: 404 });
    const unstored = await client.responses.create({ model: "story", input: "Tell me a story", store: false });
    expect(unstored).toMatchObject({ store: false });
    await expect(client.responses.retrieve(unstored.id)).rejects.toMatchObject({ status: 404 });
  });

  it("previous_response_id prepends the stored conversation (instructions are not carried over)", async () => {
    const first = await client.responses.create({ model: "story", instructions: "First only.", input: "Tell me a story" });
    await client.responses.create({ model: "story", previous_response_id: first.id, input: "Another one" });
    expect(lastChat()["messages"]).toEqual([
      { role: "user", content: "Tell me a story" },
      { role: "assistant", content: story },
      { role: "user", content: "Another one" },
    ]);
    await expect(client.responses.create({ model: "story", previous_response_id: "resp_unknown", input: "x" })).rejects.toMatchObject({ status: 404, param: "previous_response_id" });
  });

  it("function tools: a function_call item, streamed arguments, and the function_call_output round trip", async () => {
    const called = await client.responses.create({ model: "story", input: "Weather in Paris?", tools: [weatherTool], tool_choice: { type: "function", name: "weather" } });
    expect(lastChat()).toMatchObject({ tools: [{ type: "function", function: { name: "weather", parameters: weatherTool.parameters, strict: true } }], tool_choice: { type: "function", function: { name: "weather" } } });
    const call = called.output[0];
    expect(call).toMatchObject({ type: "function_call", name: "weather", arguments: JSON.stringify({ city: "x" }), status: "completed" });
    if (call?.type !== "function_call") throw new Error("expected a function call");

    const stream = await client.responses.create({ model: "story", input: "Weather in Paris?", tools: [weatherTool], stream: true });
    const deltas: string[] = [];
    let done: string | undefined;
    for await (const event of stream) {
      if (event.type === "response.function_call_arguments.delta") deltas.push(event.delta);
      if (event.type === "response.function_call_arguments.done") done = event.arguments;
    }
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(JSON.stringify({ city: "x" }));
    expect(done).toBe(JSON.stringify({ city: "x" }));

    const answered = await client.responses.create({ model: "story", previous_response_id: called.id, tools: [weatherTool], input: [{ type: "function_call_output", call_id: call.call_id, output: "sunny" }] });
    expect(answered.output_text).toBe("The tool said: sunny");
    expect(lastChat()["messages"]).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: call.call_id, type: "function", function: { name: "weather", arguments: JSON.stringify({ city: "x" }) } }] },
      { role: "tool", tool_call_id: call.call_id, content: "sunny" },
    ]);
  });

  it("text.format json_schema becomes response_format, and the answer is the JSON", async () => {
    const schema = { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name", "age"], additionalProperties: false };
    const response = await client.responses.create({ model: "story", input: "A person", text: { format: { type: "json_schema", name: "person", schema, strict: true } } });
    expect(JSON.parse(response.output_text)).toEqual({ name: "x", age: 1 });
    expect(lastChat()["response_format"]).toEqual({ type: "json_schema", json_schema: { name: "person", schema, strict: true } });
    await client.responses.create({ model: "story", input: "JSON please", text: { format: { type: "json_object" } } });
    expect(lastChat()["response_format"]).toEqual({ type: "json_object" });
  });

  it("max_output_tokens cut short: status incomplete with the reason", async () => {
    const response = await client.responses.create({ model: "story", input: "Tell me a story", max_output_tokens: 3 });
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(response.usage?.output_tokens).toBe(3);
  });

  it("refuses what a chat backend cannot serve with a 400 naming the param", async () => {
    const refused = async (body: Record<string, unknown>): Promise<unknown> => {
      const response = await fetch(`${gateway.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", input: "hi", ...body }) });
      expect(response.status).toBe(400);
      return ((await response.json()) as { error: { param: unknown } }).error.param;
    };
    expect(await refused({ tools: [{ type: "web_search_preview" }] })).toBe("tools[0].type");
    expect(await refused({ background: true })).toBe("background");
    expect(await refused({ reasoning: { effort: "high" } })).toBe("reasoning");
    expect(await refused({ input: [{ type: "file_search_call", id: "x" }] })).toBe("input[0].type");
    expect(await refused({ input: [{ role: "robot", content: "x" }] })).toBe("input[0].role");
    expect(await refused({ temperature: "hot" })).toBe("temperature");
    expect(await refused({ include: ["reasoning.encrypted_content"] })).toBe("include");
  });

  it("a failure mid-stream ends with error and response.failed events, never a clean completion", async () => {
    upstream.enqueue({ kind: "error-event", afterChunks: 2 });
    const response = await fetch(`${gateway.url}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", input: "hi", stream: true }) });
    const text = await response.text();
    expect(text).toContain("event: error\n");
    expect(text).toContain("event: response.failed\n");
    expect(text).not.toContain("response.completed");
  });
});

describe("the Vercel AI SDK's default OpenAI provider (the Responses API)", () => {
  const model = (): ReturnType<ReturnType<typeof createOpenAI>> => createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused" })("story");

  it("generateText and streamText", async () => {
    const generated = await generateText({ model: model(), prompt: "Tell me a story" });
    expect(generated.text).toBe(story);
    expect(generated.usage.outputTokens).toBe(fakeTokens(story).length);
    const streamed = streamText({ model: model(), prompt: "Tell me a story" });
    let text = "";
    for await (const piece of streamed.textStream) text += piece;
    expect(text).toBe(story);
    expect((await streamed.usage).outputTokens).toBe(fakeTokens(story).length);
  });

  it("generateObject", async () => {
    const { object } = await generateObject({ model: model(), schema: z.object({ name: z.string(), age: z.number() }), prompt: "A person" });
    expect(object).toEqual({ name: "x", age: 1 });
    expect(lastChat()["response_format"]).toMatchObject({ type: "json_schema" });
  });

  it("a tool call, executed, then answered", async () => {
    const result = await generateText({
      model: model(),
      prompt: "Weather in Paris?",
      tools: { weather: tool({ description: "The weather in a city", inputSchema: z.object({ city: z.string() }), execute: ({ city }) => Promise.resolve(`sunny in ${city}`) }) },
      stopWhen: stepCountIs(2),
    });
    expect(result.steps[0]?.toolCalls[0]).toMatchObject({ toolName: "weather", input: { city: "x" } });
    expect(result.text).toBe("The tool said: sunny in x");
    const messages = lastChat()["messages"] as { role: string; content: unknown }[];
    expect(messages.at(-1)).toMatchObject({ role: "tool", content: expect.stringContaining("sunny in x") as unknown });
  });
});

describe("stored responses are per tenant and expire", () => {
  const adminKey = "admin-key-for-tests-0123456789";
  const clock = createFakeClock();
  let keyed: RunningGateway;
  const keyFor = async (team: string): Promise<OpenAI> => {
    const created = await fetch(`${keyed.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" }, body: JSON.stringify({ name: team, team }) });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    return new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: key, maxRetries: 0 });
  };

  beforeAll(async () => {
    keyed = await startClockedGateway(upstreamConfig([upstream.baseUrl], `auth: { mode: keys, admin_key: "${adminKey}" }\nresponses: { ttl_days: 2 }`), clock);
  });
  afterAll(() => keyed.close());

  it("another tenant cannot read, chain from or delete a response; after the TTL nobody can", async () => {
    const [mine, theirs] = [await keyFor("red"), await keyFor("blue")];
    const created = await mine.responses.create({ model: "story", input: "Tell me a story" });
    expect((await mine.responses.retrieve(created.id)).id).toBe(created.id);
    await expect(theirs.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(theirs.responses.delete(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(theirs.responses.create({ model: "story", previous_response_id: created.id, input: "more" })).rejects.toMatchObject({ status: 404 });
    clock.advance(2 * 24 * 3600 * 1000 + 1);
    await expect(mine.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });
});
