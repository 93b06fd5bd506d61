import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeTokens, startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway, upstreamConfig } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

const story = "Once upon a time there was a little fox who loved to read.";
const weather = { name: "weather", description: "The weather in a city", input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] } };
const adminKey = "admin-key-for-tests-0123456789";

let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  gateway = await startTestGateway(upstreamConfig([upstream.baseUrl], `auth: { mode: keys, admin_key: "${adminKey}" }`));
  const created = await fetch(`${gateway.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" }, body: JSON.stringify({ name: "claude-client" }) });
  const { key } = (await created.json()) as { key: string };
  // The SDK authenticates with x-api-key, as Anthropic's API wants.
  client = new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const lastChat = (): Record<string, unknown> => upstream.calls.filter((call) => call.path === "/v1/chat/completions").at(-1)?.body ?? {};
const ask = [{ role: "user" as const, content: "Tell me a story" }];

describe("POST /v1/messages through the @anthropic-ai/sdk client", () => {
  it("answers text with end_turn and usage; system, max_tokens and stop_sequences reach the chat request", async () => {
    const message = await client.messages.create({ model: "story", max_tokens: 100, system: "Be brief.", messages: ask, stop_sequences: ["THE END"] });
    expect(message).toMatchObject({ type: "message", role: "assistant", model: "story", content: [{ type: "text", text: story }], stop_reason: "end_turn", stop_sequence: null });
    expect(message.id).toMatch(/^msg_/);
    const sent = lastChat();
    expect(sent).toMatchObject({ model: "tiny", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Tell me a story" }], max_tokens: 100, stop: ["THE END"] });
    expect(message.usage).toMatchObject({ input_tokens: fakeTokens(JSON.stringify(sent["messages"])).length, output_tokens: fakeTokens(story).length });
  });

  it("maps stop reasons: stop_sequence and max_tokens", async () => {
    const stopped = await client.messages.create({ model: "story", max_tokens: 100, messages: ask, stop_sequences: ["fox"] });
    expect(stopped).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "fox", content: [{ type: "text", text: "Once upon a time there was a little" }] });
    const cut = await client.messages.create({ model: "story", max_tokens: 3, messages: ask });
    expect(cut.stop_reason).toBe("max_tokens");
    expect(cut.usage.output_tokens).toBe(3);
  });

  it("streams with Anthropic's event types", async () => {
    const final = await client.messages.stream({ model: "story", max_tokens: 100, messages: ask }).finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: "text", text: story })]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBe(fakeTokens(story).length);
    // The SDK hides pings, so the event names are read off the wire.
    const response = await fetch(`${gateway.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": client.apiKey ?? "" }, body: JSON.stringify({ model: "story", max_tokens: 100, messages: ask, stream: true }) });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const types = [...(await response.text()).matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
    expect(types.slice(0, 3)).toEqual(["message_start", "ping", "content_block_start"]);
    expect(types.filter((type) => type === "content_block_delta")).toHaveLength(fakeTokens(story).length);
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
  });

  it("tool use: tool_use blocks (whole and streamed as input_json_delta), then tool_result answered", async () => {
    const called = await client.messages.create({ model: "story", max_tokens: 100, messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weather], tool_choice: { type: "tool", name: "weather" } });
    expect(lastChat()).toMatchObject({ tools: [{ type: "function", function: { name: "weather", parameters: weather.input_schema } }], tool_choice: { type: "function", function: { name: "weather" } } });
    expect(called.stop_reason).toBe("tool_use");
    const use = called.content[0];
    expect(use).toMatchObject({ type: "tool_use", name: "weather", input: { city: "x" } });
    if (use?.type !== "tool_use") throw new Error("expected tool_use");

    const stream = client.messages.stream({ model: "story", max_tokens: 100, messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weather] });
    const partial: string[] = [];
    stream.on("inputJson", (delta) => partial.push(delta));
    const streamed = await stream.finalMessage();
    expect(partial.length).toBeGreaterThan(1);
    expect(streamed.content[0]).toMatchObject({ type: "tool_use", name: "weather", input: { city: "x" } });
    expect(streamed.stop_reason).toBe("tool_use");

    const answered = await client.messages.create({
      model: "story",
      max_tokens: 100,
      tools: [weather],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: called.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "sunny" }, { type: "text", text: "Thanks" }] },
      ],
    });
    expect(answered.content).toEqual([expect.objectContaining({ type: "text", text: "The tool said: sunny" })]);
    expect(lastChat()["messages"]).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: use.id, type: "function", function: { name: "weather", arguments: JSON.stringify({ city: "x" }) } }] },
      { role: "tool", tool_call_id: use.id, content: "sunny" },
      { role: "user", content: "Thanks" },
    ]);
  });

  it("output_config.format asks for JSON by schema; sampling fields older clients send are forwarded", async () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false };
    const message = await client.messages.create({ model: "story", max_tokens: 100, messages: ask, output_config: { format: { type: "json_schema", schema } } });
    expect(message.content[0]).toMatchObject({ type: "text", text: JSON.stringify({ name: "x" }) });
    expect(lastChat()["response_format"]).toEqual({ type: "json_schema", json_schema: { name: "output", schema } });
    const response = await fetch(`${gateway.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": client.apiKey ?? "" }, body: JSON.stringify({ model: "story", max_tokens: 5, messages: ask, temperature: 0.2, top_p: 0.9, top_k: 40 }) });
    expect(response.status).toBe(200);
    expect(lastChat()).toMatchObject({ temperature: 0.2, top_p: 0.9, top_k: 40 });
  });

  it("counts tokens, tools included, without calling the model", async () => {
    const before = upstream.calls.length;
    const plain = await client.messages.countTokens({ model: "story", messages: ask });
    const withTools = await client.messages.countTokens({ model: "story", messages: ask, tools: [weather], system: "Be brief." });
    expect(plain.input_tokens).toBeGreaterThan(0);
    expect(withTools.input_tokens).toBeGreaterThan(plain.input_tokens + 10);
    expect(upstream.calls.length).toBe(before);
  });

  it("errors come in Anthropic's envelope with the matching status, auth errors included", async () => {
    const post = async (body: unknown, headers: Record<string, string> = { "x-api-key": client.apiKey ?? "" }): Promise<{ status: number; body: unknown }> => {
      const response = await fetch(`${gateway.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    };
    expect(await post({ model: "story", messages: ask })).toEqual({ status: 400, body: { type: "error", error: { type: "invalid_request_error", message: expect.stringContaining("max_tokens") as unknown } } });
    expect(await post({ model: "nope", max_tokens: 5, messages: ask })).toMatchObject({ status: 404, body: { type: "error", error: { type: "not_found_error" } } });
    expect(await post({ model: "story", max_tokens: 5, messages: ask }, {})).toMatchObject({ status: 401, body: { type: "error", error: { type: "authentication_error" } } });
    expect(await post({ model: "story", max_tokens: 5, messages: ask }, { "x-api-key": "gk-not-a-key" })).toMatchObject({ status: 401, body: { type: "error", error: { type: "authentication_error" } } });
    await expect(client.messages.create({ model: "story", max_tokens: 5, messages: ask, thinking: { type: "enabled", budget_tokens: 1024 } })).rejects.toMatchObject({ status: 400, error: { type: "error", error: { type: "invalid_request_error" } } });
  });

  it("a failure mid-stream ends with an error event, never message_stop", async () => {
    upstream.enqueue({ kind: "error-event", afterChunks: 2 });
    const response = await fetch(`${gateway.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": client.apiKey ?? "" }, body: JSON.stringify({ model: "story", max_tokens: 50, messages: ask, stream: true }) });
    const text = await response.text();
    expect(text).toContain("event: message_start\n");
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    expect(text).not.toContain("message_stop");
  });
});
