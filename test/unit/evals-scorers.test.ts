import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { scoreItem } from "../../src/evals/score-item.js";
import { extractChoice } from "../../src/evals/scorers/choice-scorer.js";
import { cosineSimilarity } from "../../src/evals/scorers/embedding-scorer.js";
import { lastNumber } from "../../src/evals/scorers/numeric-scorer.js";
import { parseVerdict } from "../../src/evals/scorers/rubric-scorer.js";
import type { Assertion, ChatMessage, ScorerServices } from "../../src/evals/scorers/scorer.js";
import { levenshteinSimilarity, tokenF1 } from "../../src/evals/scorers/similarity-scorers.js";

const fixtures = fileURLToPath(new URL("../fixtures/evals/", import.meta.url));

function services(overrides: Partial<ScorerServices> = {}): ScorerServices {
  return {
    baseDir: fixtures,
    defaultProvider: undefined,
    judge: () => Promise.reject(new Error("no judge")),
    embed: () => Promise.reject(new Error("no embedder")),
    ...overrides,
  };
}

/** Scores one assertion (weight 1) against an output. */
async function check(assertion: Omit<Assertion, "weight"> & { weight?: number }, output: string, extra: { latencyMs?: number; costUsd?: number; services?: ScorerServices } = {}) {
  const result = await scoreItem([{ weight: 1, ...assertion }], { output, vars: {}, latencyMs: extra.latencyMs ?? 10, costUsd: extra.costUsd ?? 0, repeat: 0 }, extra.services ?? services());
  const first = result.assertions[0];
  if (first === undefined) throw new Error("no assertion result");
  return { ...first, itemPass: result.pass, itemScore: result.score, costUsd: result.costUsd };
}

describe("text scorers", () => {
  it("equals trims, contains is case-sensitive, icontains is not", async () => {
    expect((await check({ type: "equals", value: "42" }, " 42\n")).pass).toBe(true);
    expect((await check({ type: "equals", value: "42" }, "420")).pass).toBe(false);
    expect((await check({ type: "contains", value: "Fox" }, "the fox")).pass).toBe(false);
    expect((await check({ type: "icontains", value: "Fox" }, "the fox")).pass).toBe(true);
  });

  it("-any needs one of the values, -all every one", async () => {
    expect((await check({ type: "contains-any", value: ["cat", "fox"] }, "a fox")).pass).toBe(true);
    expect((await check({ type: "contains-all", value: ["cat", "fox"] }, "a fox")).pass).toBe(false);
    expect((await check({ type: "icontains-all", value: ["CAT", "fox"] }, "a cat and a fox")).pass).toBe(true);
    expect((await check({ type: "icontains-any", value: ["dog", "bird"] }, "a cat")).pass).toBe(false);
  });

  it("regex takes /pattern/flags, starts-with ignores leading space, not- inverts", async () => {
    expect((await check({ type: "regex", value: "/^HELLO/i" }, "hello there")).pass).toBe(true);
    expect((await check({ type: "regex", value: "^\\d+$" }, "12a")).pass).toBe(false);
    expect((await check({ type: "starts-with", value: "And" }, "  And it came to pass")).pass).toBe(true);
    const negated = await check({ type: "not-contains", value: "sorry" }, "Sorry, I cannot");
    expect(negated).toMatchObject({ pass: true, score: 1 });
    expect((await check({ type: "not-icontains", value: "sorry" }, "Sorry, I cannot")).pass).toBe(false);
  });
});

describe("structure scorers", () => {
  it("is-json parses fenced JSON and checks an optional JSON Schema", async () => {
    expect((await check({ type: "is-json" }, '```json\n{"a":1}\n```')).pass).toBe(true);
    expect((await check({ type: "is-json" }, "{a:1}")).pass).toBe(false);
    const schema = { type: "object", required: ["name"], properties: { name: { type: "string" } } };
    expect((await check({ type: "is-json", value: schema }, '{"name":"Ada"}')).pass).toBe(true);
    const wrong = await check({ type: "is-json", value: schema }, '{"name":3}');
    expect(wrong.pass).toBe(false);
    expect(wrong.reason).toContain("must be string");
  });

  it("json-path compares the first match deeply", async () => {
    const output = '{"person":{"name":"Ada","langs":["en","fr"]}}';
    expect((await check({ type: "json-path", path: "$.person.name", value: "Ada" }, output)).pass).toBe(true);
    expect((await check({ type: "json-path", path: "$.person.langs", value: ["en", "fr"] }, output)).pass).toBe(true);
    expect((await check({ type: "json-path", path: "$.person.age", value: 36 }, output)).reason).toContain("nothing at");
  });

  it("multiple-choice extracts the letter from common answer shapes", async () => {
    expect(extractChoice("B", "ABCD")).toBe("B");
    expect(extractChoice("(c) the third one", "ABCD")).toBe("C");
    expect(extractChoice("I think a good answer is D.", "ABCD")).toBe("D");
    expect(extractChoice("The answer is: b", "ABCD")).toBe("B");
    expect(extractChoice("None of them, sorry", "ABCD")).toBeUndefined();
    expect((await check({ type: "multiple-choice", value: "A" }, "A) Paris")).pass).toBe(true);
    expect((await check({ type: "multiple-choice", value: "E", choices: "ABCDE" }, "Answer: E")).pass).toBe(true);
  });

  it("numeric reads the last number and allows a tolerance", async () => {
    expect(lastNumber("12 + 30 = 42")).toBe(42);
    expect(lastNumber("about 1,234.5 apples")).toBe(1234.5);
    expect((await check({ type: "numeric", value: 3.14, tolerance: 0.01 }, "pi is 3.141")).pass).toBe(true);
    expect((await check({ type: "numeric", value: 3.14 }, "pi is 3.141")).pass).toBe(false);
    expect((await check({ type: "numeric", value: 1 }, "no idea")).reason).toBe("no number in the answer");
  });
});

describe("similarity scorers", () => {
  it("levenshtein and f1 give graded scores that pass at the threshold", async () => {
    expect(levenshteinSimilarity("kitten", "sitting")).toBeCloseTo(1 - 3 / 7, 10);
    expect(tokenF1("the cat sat", "the cat sat down")).toBeCloseTo((2 * 1 * 0.75) / 1.75, 10);
    expect(tokenF1("", "")).toBe(1);
    const close = await check({ type: "levenshtein", value: "sitting", threshold: 0.5 }, "kitten");
    expect(close).toMatchObject({ pass: true });
    expect((await check({ type: "f1", value: "the cat sat down", threshold: 0.9 }, "the cat sat")).pass).toBe(false);
  });

  it("similar embeds both texts through the embedding model and adds its cost", async () => {
    expect(cosineSimilarity([1, 0], [1, 0])).toBe(1);
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    const asked: string[][] = [];
    const embed = async (model: string, texts: readonly string[]) => {
      asked.push([model, ...texts]);
      return { vectors: [[1, 1], [1, 0]], costUsd: 0.002 };
    };
    const result = await check({ type: "similar", value: "expected", provider: "embedder", threshold: 0.7 }, "answer", { services: services({ embed }) });
    expect(asked).toEqual([["embedder", "answer", "expected"]]);
    expect(result.score).toBeCloseTo(Math.SQRT1_2, 10);
    expect(result.pass).toBe(true);
    expect(result.costUsd).toBe(0.002);
  });
});

describe("llm-rubric", () => {
  it("parses verdicts robustly", () => {
    expect(parseVerdict('{"score": 0.8, "pass": true, "reason": "fine"}', 0.5)).toEqual({ pass: true, score: 0.8, reason: "fine" });
    expect(parseVerdict('Sure! ```json\n{"reason": "has {braces}", "score": "0.2", "pass": "no"}\n```', 0.5)).toEqual({ pass: false, score: 0.2, reason: "has {braces}" });
    expect(parseVerdict('{"score": 90}', 0.5)).toMatchObject({ pass: true, score: 0.9 });
    expect(parseVerdict('{"pass": true}', 0.5)).toMatchObject({ pass: true, score: 1 });
    expect(parseVerdict("I cannot grade this", 0.5)).toBeUndefined();
    expect(parseVerdict('{"verdict": "good"}', 0.5)).toBeUndefined();
  });

  it("asks the judge with the rubric and the answer, and counts the judge's cost", async () => {
    const calls: { model: string; messages: readonly ChatMessage[] }[] = [];
    const judge = async (model: string, messages: readonly ChatMessage[]) => {
      calls.push({ model, messages });
      return { text: '{"reason":"polite","score":0.9,"pass":true}', costUsd: 0.01 };
    };
    const result = await check({ type: "llm-rubric", value: "is polite" }, "Thank you kindly", { services: services({ judge, defaultProvider: "judge" }) });
    expect(result).toMatchObject({ pass: true, score: 0.9, reason: "polite", costUsd: 0.01 });
    expect(calls[0]?.model).toBe("judge");
    expect(calls[0]?.messages.at(-1)?.content).toContain("is polite");
    expect(calls[0]?.messages.at(-1)?.content).toContain("Thank you kindly");
  });

  it("fails an unreadable verdict instead of guessing", async () => {
    const judge = async () => ({ text: "looks fine to me", costUsd: 0.01 });
    const result = await check({ type: "llm-rubric", value: "x", provider: "judge" }, "y", { services: services({ judge }) });
    expect(result.pass).toBe(false);
    expect(result.reason).toContain("no {score, pass, reason}");
  });
});

describe("operational and custom scorers", () => {
  it("latency and cost read the threshold as their limit", async () => {
    expect((await check({ type: "latency", threshold: 100 }, "x", { latencyMs: 99 })).pass).toBe(true);
    expect((await check({ type: "latency", threshold: 100 }, "x", { latencyMs: 101 })).pass).toBe(false);
    expect((await check({ type: "cost", threshold: 0.001 }, "x", { costUsd: 0.002 })).pass).toBe(false);
  });

  it("loads JS and TS scorer files, relative to the suite or absolute", async () => {
    const js = join(mkdtempSync(join(tmpdir(), "gantry-scorer-")), "yes-scorer.mjs");
    writeFileSync(js, "export default (output) => /\\byes\\b/i.test(output);\n");
    expect((await check({ type: "javascript", value: `file://${js}` }, "Yes, indeed")).pass).toBe(true);
    expect((await check({ type: "javascript", value: js }, "No")).pass).toBe(false);
    const ts = await check({ type: "javascript", value: "file://length-scorer.ts" }, "x".repeat(20));
    expect(ts).toMatchObject({ pass: true, reason: "20 characters" });
    expect(ts.score).toBeCloseTo(0.8, 10);
  });
});

describe("item scores", () => {
  it("weights scores, requires every assertion, or passes on a test threshold", async () => {
    const assertions: Assertion[] = [
      { type: "contains", value: "fox", weight: 3 },
      { type: "contains", value: "cat", weight: 1 },
    ];
    const input = { output: "a fox", vars: {}, latencyMs: 1, costUsd: 0, repeat: 0 };
    const strict = await scoreItem(assertions, input, services());
    expect(strict).toMatchObject({ pass: false, score: 0.75 });
    expect((await scoreItem(assertions, input, services(), 0.7)).pass).toBe(true);
  });

  it("a scorer that throws fails its assertion with the reason", async () => {
    const result = await check({ type: "llm-rubric", value: "x" }, "y");
    expect(result).toMatchObject({ pass: false, score: 0, reason: "llm-rubric needs a provider: the judge model" });
  });
});
