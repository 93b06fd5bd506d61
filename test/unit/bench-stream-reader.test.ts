import { describe, expect, it } from "vitest";
import { createStreamReader } from "../../src/bench/stream-reader.js";

const event = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
const chat = (delta: Record<string, unknown>, finish: string | null = null): string => event({ choices: [{ index: 0, delta, finish_reason: finish }] });

describe("SSE stream reader", () => {
  it("times token chunks by the network chunk that completed them; role and usage chunks are not tokens", () => {
    const reader = createStreamReader();
    const second = chat({ content: " world" });
    reader.feed(chat({ role: "assistant", content: "" }), 10);
    reader.feed(chat({ content: "Hello" }), 20);
    // An event split across two network chunks arrives when its second half does.
    reader.feed(second.slice(0, 15), 30);
    reader.feed(second.slice(15) + chat({}, "stop"), 45);
    reader.feed(event({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 2 } }) + "data: [DONE]\n\n", 50);
    expect(reader.failure()).toBeUndefined();
    expect(reader.ended()).toBe(true);
    expect(reader.partial()).toEqual({ tokenChunkTimes: [20, 45], promptTokens: 7, completionTokens: 2 });
  });

  it("keeps the text when no usage came, and reads completions and reasoning text", () => {
    const reader = createStreamReader();
    reader.feed(chat({ reasoning_content: "think" }), 1);
    reader.feed(event({ choices: [{ index: 0, text: " done", finish_reason: "length" }] }), 2);
    expect(reader.partial()).toEqual({ tokenChunkTimes: [1, 2], text: "think done" });
    expect(reader.ended()).toBe(true);
  });

  it("reports error events and malformed JSON as failures", () => {
    const failing = createStreamReader();
    failing.feed(chat({ content: "a" }) + event({ error: { message: "engine died" } }), 1);
    expect(failing.failure()).toEqual({ type: "stream_error", message: "engine died" });
    const malformed = createStreamReader();
    malformed.feed("data: {broken\n\n", 1);
    expect(malformed.failure()?.type).toBe("malformed_response");
  });

  it("reads a non-streamed JSON answer as one chunk", () => {
    const reader = createStreamReader();
    reader.readWholeBody(JSON.stringify({ choices: [{ message: { content: "whole" }, finish_reason: "stop" }], usage: { completion_tokens: 1 } }), 99);
    expect(reader.partial()).toEqual({ tokenChunkTimes: [99], completionTokens: 1 });
    expect(reader.ended()).toBe(true);
  });
});
