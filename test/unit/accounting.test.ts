import { describe, expect, it } from "vitest";
import { createAccounting } from "../../src/accounting/accounting.js";
import { createPriceBook } from "../../src/accounting/price-book.js";
import type { StreamAnswer, StreamPart } from "../../src/pipeline/answer.js";
import { observeStream, type StreamOutcome } from "../../src/pipeline/stream-tap.js";
import { createMemorySpendStore } from "../../src/limits/memory-spend-store.js";
import { promptTokens } from "../../src/limits/prompt-tokens.js";
import type { CacheOutcome } from "../../src/pipeline/accounting-record.js";

const prices = createPriceBook([
  { name: "cheap", pricing: { input_per_million: 1_000_000, output_per_million: 2_000_000 }, fallbacks: ["dear"] },
  { name: "dear", pricing: { input_per_million: 3_000_000, output_per_million: 5_000_000 }, fallbacks: [] },
  { name: "local", pricing: undefined, fallbacks: [] },
]);
/** One token per word, so expectations are easy to read. */
const countWords = (text: string): number => text.split(/\s+/).filter((word) => word !== "").length;
const accounting = createAccounting(prices, { text: countWords, prompt: (operation, body) => promptTokens(operation, body, countWords) });
const request = { operation: "chat" as const, body: { model: "cheap", messages: [{ role: "user", content: "two words" }] } };
const done = { text: "", finishReason: "stop", outcome: "done" as const, headers: undefined };

function open(cache?: CacheOutcome): ReturnType<typeof accounting.open> {
  return accounting.open(request, () => cache);
}

describe("the price book", () => {
  it("reserves at the highest price among a model and its fallbacks", () => {
    expect(prices.worstCaseUsd("cheap", 10, 100)).toBe(10 * 3 + 100 * 5);
    expect(prices.worstCaseUsd("dear", 1, 1)).toBe(8);
    expect(prices.worstCaseUsd("local", 1000, 1000)).toBe(0);
  });
});

describe("the accounting service", () => {
  it("prices an answer at the model that answered (a fallback), as told before the answer was written", () => {
    const account = open();
    account.answeredBy({ model: "dear", deployment: "dear/0" });
    const record = account.close({ ...done, usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 } });
    expect(record).toMatchObject({ requestedModel: "cheap", answeredModel: "dear", deployment: "dear/0", costUsd: 10 * 3 + 20 * 5, charged: true, tokensFrom: "reported", savedUsd: 0 });
  });

  it("charges a cache hit nothing and records what it saved at the answering model's price", () => {
    const account = open("hit");
    const usage = { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10, prompt_tokens_details: { cached_tokens: 4 } };
    const record = account.close({ ...done, usage, headers: { "x-gantry-model": "cheap" } });
    expect(record).toMatchObject({ answeredModel: "cheap", deployment: undefined, charged: false, costUsd: 0, savedTokens: 10, savedUsd: 4 * 1 + 6 * 2, cache: "hit" });
  });

  it("counts an abandoned stream's delivered text and the prompt with the tokenizer when no usage came", () => {
    const account = open();
    account.answeredBy({ model: "cheap", deployment: "cheap/0" });
    const record = account.close({ usage: undefined, text: "one two three", finishReason: undefined, outcome: "abandoned", headers: undefined });
    // The prompt "two words" is two tokens (chat framing comes from promptTokens: 4 per message).
    expect(record).toMatchObject({ promptTokens: 2 + 4, completionTokens: 3, tokensFrom: "counted", outcome: "abandoned", costUsd: 6 * 1 + 3 * 2 });
  });

  it("builds the record once and hands the same record to listeners registered before and after", () => {
    const account = open();
    const seen: unknown[] = [];
    account.onRecord((record) => seen.push(record));
    const first = account.close({ ...done, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    const second = account.close({ ...done, usage: { prompt_tokens: 100, completion_tokens: 100, total_tokens: 200 } });
    account.onRecord((record) => seen.push(record));
    expect(second).toBe(first);
    expect(seen).toEqual([first, first]);
    expect(account.record).toBe(first);
  });
});

function streamOf(texts: string[]): StreamAnswer {
  const parts: StreamPart[] = texts.map((text) => ({ type: "chunk", chunk: { choices: [{ index: 0, delta: { content: text } }] } }));
  let pulls = 0;
  const iterator: AsyncIterator<StreamPart> = {
    next: () => {
      pulls++;
      const value = parts[pulls];
      return Promise.resolve(value === undefined ? { done: true, value: undefined } : { done: false, value });
    },
    return: () => Promise.resolve({ done: true, value: undefined }),
  };
  const first = parts[0];
  return { kind: "stream", first: first === undefined ? { done: true, value: undefined } : { done: false, value: first }, parts: iterator, headers: {} };
}

describe("the stream tap", () => {
  it("wraps a stream once: later observers join the same tap and each sees every part once, then the end", async () => {
    const seen: string[] = [];
    const ends: StreamOutcome["kind"][] = [];
    const observer = (name: string): { part: () => void; end: (outcome: StreamOutcome) => void } => ({ part: () => seen.push(name), end: (outcome) => ends.push(outcome.kind) });
    const inner = observeStream(streamOf(["a", "b", "c"]), observer("inner"));
    const outer = observeStream(inner, observer("outer"));
    expect(outer.parts).toBe(inner.parts);
    for (let item = await outer.parts.next(); item.done !== true; item = await outer.parts.next());
    expect(seen).toEqual(["inner", "outer", "inner", "outer", "inner", "outer"]);
    expect(ends).toEqual(["done", "done"]);
  });

  it("tells every observer once when the client abandons the stream", async () => {
    const ends: StreamOutcome["kind"][] = [];
    const tapped = observeStream(streamOf(["a", "b"]), { end: (outcome) => ends.push(outcome.kind) });
    observeStream(tapped, { end: (outcome) => ends.push(outcome.kind) });
    await tapped.parts.return?.();
    await tapped.parts.return?.();
    expect(ends).toEqual(["abandoned", "abandoned"]);
  });
});

describe("the memory spend store", () => {
  it("reserves atomically against every subject's budget and settles to the actual cost", async () => {
    const at = Date.UTC(2025, 0, 31, 12);
    const store = createMemorySpendStore(() => at);
    const subjects = [
      { id: "key:a", budget: { daily_usd: 10 } },
      { id: "team:t", budget: { monthly_usd: 25 } },
    ];
    const admissions = await Promise.all(Array.from({ length: 5 }, () => store.reserve(subjects, 3, at)));
    expect(admissions.filter((admission) => admission.admitted)).toHaveLength(3);
    expect(admissions.find((admission) => !admission.admitted)).toEqual({ admitted: false, subject: "key:a", period: "day", limitUsd: 10 });
    await store.settle(["key:a", "team:t"], 3, 1, at);
    expect(await store.get("key:a")).toEqual({ dayUsd: 7, monthUsd: 7 });
    // The key has room again ($7 + $3 = $10); the team's month is checked too and also fits.
    expect((await store.reserve(subjects, 3, at)).admitted).toBe(true);
    expect(await store.reserve([{ id: "team:t", budget: { monthly_usd: 25 } }], 16, at)).toEqual({ admitted: false, subject: "team:t", period: "month", limitUsd: 25 });
  });
});
