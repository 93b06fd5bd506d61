import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoModelGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

// The Responses and Messages APIs over the embedded engine (the committed demo model), not only over HTTP upstreams.
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startDemoModelGateway();
});
afterAll(() => gateway.close());

describe("the Responses and Messages APIs over the embedded engine", () => {
  it("responses: create, stream and a previous_response_id follow-up", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const first = await client.responses.create({ model: "demo", instructions: "Tell stories.", input: "Tell me a story.", max_output_tokens: 20, temperature: 0 });
    expect(first.output_text.trim().length).toBeGreaterThan(0);
    expect(first.usage?.output_tokens).toBeGreaterThan(0);
    expect(first.usage?.output_tokens).toBeLessThanOrEqual(20);
    const streamed = await client.responses.stream({ model: "demo", previous_response_id: first.id, input: "And then?", max_output_tokens: 20, temperature: 0 }).finalResponse();
    expect(streamed.output_text.trim().length).toBeGreaterThan(0);
    expect(streamed.usage?.input_tokens).toBeGreaterThan(first.usage?.input_tokens ?? 0);
  });

  it("messages: create and stream", async () => {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: "unused", maxRetries: 0 });
    // Greedy decoding, so the stream must match the whole answer (temperature is forwarded though this SDK's types omit it).
    const ask = { model: "demo", max_tokens: 20, temperature: 0, messages: [{ role: "user" as const, content: "Tell me a story." }] };
    const message = await client.messages.create(ask);
    expect(message.content[0]).toMatchObject({ type: "text" });
    expect(["end_turn", "max_tokens"]).toContain(message.stop_reason);
    const streamed = await client.messages.stream(ask).finalMessage();
    expect(streamed.content.map((block) => (block.type === "text" ? block.text : "")).join("")).toBe(message.content.map((block) => (block.type === "text" ? block.text : "")).join(""));
    expect(streamed.usage.output_tokens).toBe(message.usage.output_tokens);
  });
});
