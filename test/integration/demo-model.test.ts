import { statSync } from "node:fs";
import { readGgufFileInfo } from "node-llama-cpp";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoModelPath as modelPath, startDemoModelGateway } from "../helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

// The project's own demo model (models/gantry-demo, trained by tools/demo-model) is what the quick start serves.
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startDemoModelGateway();
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => gateway.close());

/** Share of whitespace-separated tokens that are English-looking words (letters, maybe with punctuation). */
function wordShare(text: string): number {
  const tokens = text.split(/\s+/).filter(Boolean);
  return tokens.filter((token) => /^[A-Za-z]+(?:'[a-z]+)?[,.;:!?]?$/.test(token)).length / Math.max(1, tokens.length);
}

describe("the committed demo model", () => {
  it("has the metadata the model card states and fits the size limit", async () => {
    expect(statSync(modelPath).size).toBeLessThanOrEqual(20 * 1024 * 1024);
    const info = await readGgufFileInfo(modelPath);
    const metadata = info.metadata as unknown as {
      general: { architecture: string; name: string; file_type: number };
      llama: { context_length: number; embedding_length: number; block_count: number; attention: { head_count: number; head_count_kv: number } };
      tokenizer: { ggml: { model: string; tokens: string[]; eos_token_id: number }; chat_template: string };
    };
    expect(metadata.general).toMatchObject({ architecture: "llama", name: "gantry-demo", file_type: 0 });
    expect(metadata.llama).toMatchObject({ context_length: 512, embedding_length: 160, block_count: 4, attention: { head_count: 5, head_count_kv: 5 } });
    expect(metadata.tokenizer.ggml.model).toBe("llama");
    expect(metadata.tokenizer.ggml.tokens).toHaveLength(2048);
    expect(metadata.tokenizer.ggml.tokens[metadata.tokenizer.ggml.eos_token_id]).toBe("<|im_end|>");
    expect(metadata.tokenizer.chat_template).toContain("<|im_start|>");
  });

  it("chats in English words, and the same seed gives the same answer", async () => {
    const ask = async (): Promise<string> =>
      (await client.chat.completions.create({ model: "demo", messages: [{ role: "user", content: "And God said unto Moses, Go up." }], max_tokens: 40, seed: 42, temperature: 0.7 })).choices[0]?.message.content ?? "";
    const first = await ask();
    expect(await ask()).toBe(first);
    expect(first.trim().split(/\s+/).length).toBeGreaterThanOrEqual(5);
    expect(wordShare(first)).toBeGreaterThan(0.8);
  });

  it("streams chat and completions", async () => {
    const stream = await client.chat.completions.create({ model: "demo", messages: [{ role: "user", content: "Tell me a story." }], max_tokens: 30, seed: 3, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(wordShare(text)).toBeGreaterThan(0.8);
    // The tokenizer adds no leading "▁" (see the model card), so a completion prompt starts with a space.
    const completion = await client.completions.create({ model: "demo", prompt: " And it came to pass", max_tokens: 30, seed: 5 });
    expect(wordShare(completion.choices[0]?.text ?? "")).toBeGreaterThan(0.8);
  });
});
