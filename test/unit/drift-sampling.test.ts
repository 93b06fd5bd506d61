import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSeededRandom } from "../../src/bench/seeded-random.js";
import { createDriftSampler } from "../../src/drift/drift-sampler.js";
import type { DriftSampleDraft } from "../../src/drift/drift-sample.js";
import { promptLanguage, promptScript, promptText, inspectedPromptChars } from "../../src/drift/prompt-features.js";
import { isRefusal } from "../../src/drift/refusal.js";
import { createReservoir } from "../../src/drift/reservoir.js";
import { createGatewayStore, type GatewayStore } from "../../src/store/gateway-store.js";
import { createSqliteExecutor } from "../../src/store/sqlite-executor.js";

describe("reservoir (Algorithm R)", () => {
  it("keeps every item with the same probability k/n", () => {
    // 2,000 runs of 100 items into 10 slots: each item is kept with p = 0.1, so ~200 times (sd 13.4).
    const kept = new Array<number>(100).fill(0);
    const random = createSeededRandom(7);
    for (let run = 0; run < 2000; run++) {
      const reservoir = createReservoir<number>(10, () => random.next());
      for (let item = 0; item < 100; item++) {
        const slot = reservoir.offer();
        if (slot !== -1) reservoir.set(slot, item);
      }
      expect(reservoir.items).toHaveLength(10);
      for (const item of reservoir.items) kept[item] = (kept[item] as number) + 1;
    }
    // Early and late items alike: within 5 standard deviations of 200.
    for (const count of kept) expect(Math.abs(count - 200)).toBeLessThan(67);
    const firstHalf = kept.slice(0, 50).reduce((sum, count) => sum + count, 0);
    expect(Math.abs(firstHalf - 10_000)).toBeLessThan(300);
  });
});

describe("prompt features", () => {
  it("reads the last user message, bounded", () => {
    expect(promptText({ messages: [{ role: "user", content: "first" }, { role: "assistant", content: "x" }, { role: "user", content: [{ type: "text", text: "second" }] }] })).toBe("second");
    expect(promptText({ prompt: "a completion prompt" })).toBe("a completion prompt");
    expect(promptText({ messages: [{ role: "user", content: "z".repeat(100_000) }] })).toHaveLength(inspectedPromptChars);
    expect(promptText({ messages: [{ role: "user", content: Array.from({ length: 1000 }, () => ({ type: "text", text: "abc" })) }] })).toHaveLength(inspectedPromptChars);
    expect(promptText({ input: "embeddings" })).toBe("");
  });

  it("names the language and the dominant script", () => {
    expect(promptLanguage("Please summarise the attached quarterly report and list the three most important risks.")).toBe("eng");
    expect(promptLanguage("Pouvez-vous résumer le rapport trimestriel ci-joint et citer les trois risques les plus importants ?")).toBe("fra");
    expect(promptLanguage("hi")).toBe("und");
    expect(promptScript("请总结附件中的季度报告 with it")).toBe("Han");
    expect(promptScript("Привет, как дела?")).toBe("Cyrillic");
    expect(promptScript("1234 !!")).toBe("none");
  });

  it("detects refusals from the refusal field or the opening phrase", () => {
    expect(isRefusal({ refusal: "I can't help with that.", text: "" })).toBe(true);
    expect(isRefusal({ text: "I'm sorry, but I can't assist with that request." })).toBe(true);
    expect(isRefusal({ text: "I cannot provide instructions for that." })).toBe(true);
    expect(isRefusal({ text: "Sure! Here is the summary you asked for." })).toBe(false);
    expect(isRefusal({ refusal: null, text: "The fox could not help smiling." })).toBe(false);
  });
});

describe("drift sampler", () => {
  let store: GatewayStore | undefined;
  afterEach(async () => store?.close());

  const sample = (time: number, promptTokens: number): DriftSampleDraft => ({ time, model: "story", version: "v1", promptTokens, outputTokens: 5, ttftMs: 100, finishReason: "stop", errorType: "none", prompt: "Please summarise the attached quarterly report for the board.", answer: { text: "I'm sorry, but I can't do that." } });

  it("holds at most per_bucket samples per bucket, builds only the kept ones and writes them in batches", async () => {
    store = createGatewayStore(createSqliteExecutor(join(mkdtempSync(join(tmpdir(), "gantry-drift-")), "drift.db")));
    await store.migrate();
    let now = 3_600_000 * 100;
    const random = createSeededRandom(3);
    const sampler = createDriftSampler({ store, models: ["story"], perBucket: 50, bucketMs: 3_600_000, flushIntervalMs: 60_000, retentionMs: 86_400_000, now: () => now, random: () => random.next() });
    let built = 0;
    for (let index = 0; index < 10_000; index++) {
      sampler.record("story", "v1", now, () => {
        built++;
        return sample(now, index);
      });
    }
    expect(sampler.held()).toBe(50);
    // Algorithm R builds k·(1 + ln(n/k)) items on average: ~315 of 10,000 here, not 10,000.
    expect(built).toBeLessThan(600);
    await sampler.flush();
    const window = { model: "story", version: "v1", from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1000 };
    expect(await store.listDriftSamples(window)).toHaveLength(50);
    // The bucket closes an hour later: flushing releases it, a late request for it opens fresh rows.
    now += 3_600_000;
    await sampler.flush();
    expect(sampler.held()).toBe(0);
    sampler.record("story", "v1", now - 3_600_000, () => sample(now - 3_600_000, -1));
    await sampler.close();
    const rows = await store.listDriftSamples(window);
    expect(rows).toHaveLength(51);
    // The text features are computed when written.
    expect(rows[0]).toMatchObject({ language: "eng", script: "Latin", refusal: true });
    expect(rows.filter((row) => row.prompt_tokens === -1)).toHaveLength(1);
    expect(await store.listDriftSeries(0, Number.MAX_SAFE_INTEGER)).toEqual([{ model: "story", version: "v1", samples: 51 }]);
  });
});
