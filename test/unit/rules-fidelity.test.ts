import { describe, expect, it } from "vitest";
import { fitAnswer, unservableParameter } from "../../src/providers/rules/rules-fidelity.js";

describe("which requests a canned answer can serve", () => {
  it("names the first parameter a rule would drop", () => {
    expect(unservableParameter({ tools: [{ type: "function", function: { name: "f" } }] })).toBe("tools");
    expect(unservableParameter({ tools: [] })).toBeUndefined();
    expect(unservableParameter({ tool_choice: "required" })).toBe("tool_choice");
    expect(unservableParameter({ tool_choice: "none" })).toBeUndefined();
    expect(unservableParameter({ response_format: { type: "json_object" } })).toBe("response_format");
    expect(unservableParameter({ response_format: { type: "text" } })).toBeUndefined();
    expect(unservableParameter({ logprobs: true })).toBe("logprobs");
    expect(unservableParameter({ logprobs: false })).toBeUndefined();
    expect(unservableParameter({ logprobs: 0 })).toBe("logprobs");
    expect(unservableParameter({ n: 2 })).toBe("n");
    expect(unservableParameter({ n: 1, stop: "x", max_tokens: 3 })).toBeUndefined();
    expect(unservableParameter({ echo: true })).toBe("echo");
  });
});

describe("fitting an answer to stop and max_tokens", () => {
  const text = "We are open nine to five.";

  it("leaves an answer that fits untouched", () => {
    expect(fitAnswer(text, { stop: ["\n"], max_tokens: 6 })).toEqual({ text, finishReason: "stop", cutBy: undefined });
  });

  it("cuts before the earliest stop string", () => {
    expect(fitAnswer(text, { stop: ["five", "open"] })).toEqual({ text: "We are ", finishReason: "stop", cutBy: "stop" });
  });

  it("truncates to max_tokens with finish_reason length; the smaller of max_tokens and max_completion_tokens wins", () => {
    expect(fitAnswer(text, { max_tokens: 3 })).toEqual({ text: "We are open", finishReason: "length", cutBy: "max_tokens" });
    expect(fitAnswer(text, { max_tokens: 5, max_completion_tokens: 2 })).toEqual({ text: "We are", finishReason: "length", cutBy: "max_tokens" });
  });

  it("applies stop first, then max_tokens", () => {
    expect(fitAnswer(text, { stop: "five", max_tokens: 10 }).finishReason).toBe("stop");
    expect(fitAnswer(text, { stop: "five", max_tokens: 2 })).toEqual({ text: "We are", finishReason: "length", cutBy: "max_tokens" });
  });
});
