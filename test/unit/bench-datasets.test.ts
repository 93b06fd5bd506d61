import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createConversationPrompts } from "../../src/bench/conversation-prompts.js";
import { createDataset } from "../../src/bench/dataset.js";
import { parseDatasetFile } from "../../src/bench/dataset-file.js";
import { createSeededRandom } from "../../src/bench/seeded-random.js";
import { loadTokenizer } from "../../src/bench/tokenizer.js";

const randomOptions = { kind: "random" as const, count: 20, inputLen: 100, outputLen: 32, defaultOutputLen: 128, rangeRatio: 0, prefixLen: 0, path: undefined, seed: 1 };

describe("random dataset", () => {
  it("builds prompts of exactly the drawn number of real tokens", async () => {
    const tokenizer = await loadTokenizer();
    const { prompts } = await createDataset({ ...randomOptions, rangeRatio: 0.5 });
    expect(prompts).toHaveLength(20);
    for (const prompt of prompts) {
      expect(tokenizer.count(prompt.prompt)).toBe(prompt.inputTokens);
      expect(prompt.inputTokens).toBeGreaterThanOrEqual(50);
      expect(prompt.inputTokens).toBeLessThanOrEqual(150);
      expect(prompt.maxOutputTokens).toBeGreaterThanOrEqual(16);
      expect(prompt.maxOutputTokens).toBeLessThanOrEqual(48);
      expect(prompt.messages).toEqual([{ role: "user", content: prompt.prompt }]);
    }
    expect(new Set(prompts.map((prompt) => prompt.inputTokens)).size).toBeGreaterThan(1);
  });

  it("is the same for the same seed and different for another", async () => {
    const a = await createDataset(randomOptions);
    const b = await createDataset(randomOptions);
    const c = await createDataset({ ...randomOptions, seed: 2 });
    expect(b.prompts).toEqual(a.prompts);
    expect(c.prompts[0]?.prompt).not.toBe(a.prompts[0]?.prompt);
    expect(a.prompts.every((prompt) => prompt.inputTokens === 100 && prompt.maxOutputTokens === 32)).toBe(true);
  });

  it("puts the same prefix of N tokens on every prompt", async () => {
    const tokenizer = await loadTokenizer();
    const { prompts } = await createDataset({ ...randomOptions, count: 5, inputLen: 10, prefixLen: 64 });
    const first = prompts[0]?.prompt ?? "";
    const shared = prompts.map((prompt) => prompt.prompt).reduce((common, text) => {
      let length = 0;
      while (length < common.length && common[length] === text[length]) length++;
      return common.slice(0, length);
    }, first);
    expect(tokenizer.count(shared)).toBeGreaterThanOrEqual(63);
    for (const prompt of prompts) {
      expect(prompt.inputTokens).toBe(74);
      expect(tokenizer.count(prompt.prompt)).toBe(74);
    }
  });
});

describe("dataset files", () => {
  it("reads JSONL with strings, prompts, messages and ShareGPT records", () => {
    const text = [
      JSON.stringify("plain prompt"),
      JSON.stringify({ prompt: "tell me", completion: "a story", output_len: 7 }),
      JSON.stringify({ messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }, { role: "assistant", content: "hello there" }] }),
      JSON.stringify({ conversations: [{ from: "human", value: "question?" }, { from: "gpt", value: "answer." }, { from: "human", value: "more" }] }),
      "",
    ].join("\n");
    expect(parseDatasetFile(text)).toEqual([
      { messages: [{ role: "user", content: "plain prompt" }] },
      { messages: [{ role: "user", content: "tell me" }], completion: "a story", outputLen: 7 },
      { messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }], completion: "hello there" },
      { messages: [{ role: "user", content: "question?" }], completion: "answer." },
    ]);
  });

  it("reads the ShareGPT JSON array format and names a bad line", () => {
    const sharegpt = JSON.stringify([{ id: "x", conversations: [{ from: "human", value: "q" }, { from: "gpt", value: "a" }] }]);
    expect(parseDatasetFile(sharegpt)).toEqual([{ messages: [{ role: "user", content: "q" }], completion: "a" }]);
    expect(() => parseDatasetFile('{"prompt":"ok"}\n{broken')).toThrow(/line 2/);
    expect(() => parseDatasetFile('{"nothing":1}')).toThrow(/line 1/);
  });

  it("ShareGPT mode: shuffles by seed, asks for the reference answer's length, drops too-short pairs", async () => {
    const tokenizer = await loadTokenizer();
    const long = "one two three four five six seven eight";
    const entries = [
      { messages: [{ role: "user" as const, content: long }], completion: long },
      { messages: [{ role: "user" as const, content: "hi" }], completion: long },
      { messages: [{ role: "user" as const, content: `${long} nine` }], completion: `${long} nine ten` },
      { messages: [{ role: "user" as const, content: long }] },
    ];
    const options = { count: 10, mode: "sharegpt" as const, outputLen: undefined, defaultOutputLen: 128, prefix: "", prefixTokens: 0 };
    const prompts = createConversationPrompts(entries, options, createSeededRandom(1), tokenizer);
    expect(prompts).toHaveLength(2);
    expect(new Set(prompts.map((prompt) => prompt.maxOutputTokens))).toEqual(new Set([tokenizer.count(long), tokenizer.count(`${long} nine ten`)]));
  });

  it("file mode keeps file order, repeats to the count, and builds a dataset from a path", async () => {
    const directory = await mkdtemp(join(tmpdir(), "bench-dataset-"));
    const path = join(directory, "prompts.jsonl");
    await writeFile(path, `${JSON.stringify({ prompt: "first", max_tokens: 5 })}\n${JSON.stringify({ prompt: "second" })}\n`);
    const { prompts } = await createDataset({ ...randomOptions, kind: "file", count: 3, path, outputLen: undefined });
    expect(prompts.map((prompt) => [prompt.prompt, prompt.maxOutputTokens])).toEqual([
      ["first", 5],
      ["second", 128],
      ["first", 5],
    ]);
    await expect(createDataset({ ...randomOptions, kind: "file", path: undefined })).rejects.toThrow(/dataset-path/);
  });
});
