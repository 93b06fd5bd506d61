import { describe, expect, it } from "vitest";
import { gate } from "../../src/evals/gate.js";
import { summarizeItemRepeats } from "../../src/evals/item-repeats.js";
import type { EvalItemResult, EvalRunResults } from "../../src/evals/run-results.js";
import { SuiteMismatchError } from "../../src/evals/suite-mismatch-error.js";
import { syntheticRun, syntheticSuite } from "../helpers/synthetic-eval-runs.js";

/** A run from per-item repeat outcomes: `true`/`false` per repeat, scored 1 or 0. */
function runOf(runId: string, outcomes: Record<string, readonly boolean[]>, suiteHash = "h1"): EvalRunResults {
  const items: EvalItemResult[] = Object.entries(outcomes).flatMap(([itemKey, repeats]) =>
    repeats.map((pass, repeat) => ({
      itemKey, repeat, pass, score: pass ? 1 : 0, assertions: [], output: "", latencyMs: 10, promptTokens: 1, completionTokens: 1, costUsd: 0,
    })),
  );
  return { runId, suiteName: "s", suiteHash, seed: 0, target: "t", model: "t", modelVersion: undefined, deployment: undefined, startedAt: 0, finishedAt: 1, items };
}

const keys = (count: number, prefix = "i"): string[] => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

describe("item repeats", () => {
  it("an item is flaky when its repeats disagree, and never with one repeat", () => {
    const summary = summarizeItemRepeats(runOf("r", { a: [true, false, true], b: [true, true], c: [false], d: [true] }).items);
    expect(summary.get("a")).toMatchObject({ repeats: 3, passes: 2, flaky: true });
    expect(summary.get("a")?.passRate).toBeCloseTo(2 / 3, 12);
    expect(summary.get("b")).toMatchObject({ passRate: 1, flaky: false });
    expect(summary.get("c")).toMatchObject({ passRate: 0, flaky: false });
  });
});

describe("gate", () => {
  it("refuses runs of different suites with a clear error", () => {
    expect(() => gate(runOf("base", { a: [true] }, "h1"), runOf("cand", { a: [true] }, "h2"))).toThrow(SuiteMismatchError);
    expect(() => gate(runOf("base", { a: [true] }, "h1"), runOf("cand", { a: [true] }, "h2"))).toThrow(/ran different suites/);
  });

  it("passes an identical run and reports the evidence", () => {
    const outcomes = Object.fromEntries(keys(40).map((key, index) => [key, [index % 4 !== 0]]));
    const result = gate(runOf("base", outcomes), runOf("cand", outcomes));
    expect(result).toMatchObject({ verdict: "pass", items: 40, stableItems: 40, mcnemar: { b: 0, c: 0, pTwoSided: 1 } });
    expect(result.scoreDifference).toMatchObject({ lower: 0, upper: 0, mean: 0 });
  });

  it("flaky items are neither wins nor losses: McNemar counts only items stable in both runs", () => {
    const base: Record<string, boolean[]> = {};
    const cand: Record<string, boolean[]> = {};
    for (const key of keys(30)) {
      base[key] = [true, true, true];
      cand[key] = [true, true, true];
    }
    // Three losses on stable items, one win; two items flip between repeats in the candidate, one in the baseline.
    for (const key of ["i0", "i1", "i2"]) cand[key] = [false, false, false];
    base["i3"] = [false, false, false];
    cand["i4"] = [true, false, true];
    cand["i5"] = [false, true, false];
    base["i6"] = [false, true, true];
    const result = gate(runOf("base", base), runOf("cand", cand));
    expect(result.mcnemar).toMatchObject({ b: 3, c: 1 });
    expect(result.stableItems).toBe(27);
    expect(result.flakyItems.map((item) => item.itemKey)).toEqual(["i4", "i5", "i6"]);
    expect(result.flakyItems[0]).toMatchObject({ baselinePassRate: 1, baselineRepeats: 3, candidateRepeats: 3 });
    // Scores: each flaky item enters with its repeat average, a fraction, not a whole win or loss.
    // Differences: −1 ×3, +1, −1/3 (i4), −2/3 (i5), +1/3 (i6): sum −3 + 1 − 1/3 − 2/3 + 1/3 = −8/3 over 30 items.
    expect(result.scoreDifference?.mean).toBeCloseTo(-8 / 3 / 30, 12);
  });

  it("is inconclusive below minItems, whatever the tests say", () => {
    const outcomes = Object.fromEntries(keys(5).map((key) => [key, [true]]));
    const result = gate(runOf("base", outcomes), runOf("cand", outcomes));
    expect(result.verdict).toBe("inconclusive");
    expect(result.reason).toMatch(/only 5 paired item/);
  });

  it("is inconclusive when the interval straddles −tolerance", () => {
    // 40 items, the candidate loses 3 and wins 1: mean difference −0.05, interval roughly [−0.125, +0.025].
    const base = Object.fromEntries(keys(40).map((key) => [key, [true]]));
    const cand = Object.fromEntries(keys(40).map((key, index) => [key, [index >= 3]]));
    base["i39"] = [false];
    const result = gate(runOf("base", base), runOf("cand", cand), { tolerance: 0.05 });
    expect(result.verdict).toBe("inconclusive");
    expect(result.scoreDifference?.lower).toBeLessThan(-0.05);
    expect(result.scoreDifference?.upper).toBeGreaterThan(-0.05);
  });

  it("calls a McNemar-significant drop beyond the tolerance a regression", () => {
    // 1000 items, the candidate loses 60 and wins 20: McNemar one-sided p = P[Bin(80, 1/2) ≤ 20] ≈ 4.3e-6 and the pass rate drops 4% > 3%,
    // while the interval of the score difference (about [−0.058, −0.022]) still reaches above −0.03.
    const base = Object.fromEntries(keys(1000).map((key) => [key, [true]]));
    const cand = Object.fromEntries(keys(1000).map((key, index) => [key, [index >= 60]]));
    for (const key of keys(20, "i9")) base[key] = [false];
    const result = gate(runOf("base", base), runOf("cand", cand), { tolerance: 0.03, resamples: 2000 });
    expect(result.mcnemar).toMatchObject({ b: 60, c: 20 });
    expect(result.mcnemar.pCandidateWorse).toBeLessThan(0.001);
    expect(result.scoreDifference?.upper).toBeGreaterThan(-0.03);
    expect(result.verdict).toBe("regression");
    expect(result.reason).toMatch(/^McNemar/);
  });

  it("reports items only one run has and leaves them out", () => {
    const base = Object.fromEntries(keys(25).map((key) => [key, [true]]));
    const cand = Object.fromEntries(keys(24).map((key) => [key, [true]]));
    cand["extra"] = [true];
    const result = gate(runOf("base", base), runOf("cand", cand));
    expect(result).toMatchObject({ items: 24, onlyInBaseline: ["i24"], onlyInCandidate: ["extra"], verdict: "pass" });
  });

  it("rejects nonsensical options", () => {
    const run = runOf("r", { a: [true] });
    expect(() => gate(run, run, { confidence: 1.5 })).toThrow(/confidence/);
    expect(() => gate(run, run, { minItems: 0 })).toThrow(/minItems/);
    expect(() => gate(run, run, { tolerance: -0.1 })).toThrow(/tolerance/);
  });
});

// Must-show, simulated at the statistics level (the end-to-end run against fake upstreams is added after merging).
describe("gate on synthetic suites", () => {
  it("passes an identical model on 20 seeds and prints the false-alarm rate", () => {
    const verdicts = Array.from({ length: 20 }, (_, seed) => {
      const suite = syntheticSuite(200, 1000 + seed);
      const baseline = syntheticRun({ runId: `base-${seed}`, suite, seed: 2 * seed + 1, repeats: 3 });
      const candidate = syntheticRun({ runId: `cand-${seed}`, suite, seed: 2 * seed + 2, repeats: 3 });
      return gate(baseline, candidate).verdict;
    });
    const regressions = verdicts.filter((verdict) => verdict === "regression").length;
    const notPassed = verdicts.filter((verdict) => verdict !== "pass").length;
    console.log(
      `[must-show] identical model, 20 seeds x 200 items x 3 repeats: false-alarm rate (regression) ${regressions}/20 = ${((regressions / 20) * 100).toFixed(0)}%, ` +
        `not passed ${notPassed}/20`,
    );
    expect(verdicts).toEqual(new Array<string>(20).fill("pass"));
  });

  it("flags a model that is wrong 20% of the time on a 200-item suite as a regression", () => {
    const suite = syntheticSuite(200, 42);
    const baseline = syntheticRun({ runId: "base", suite, seed: 1 });
    const degraded = syntheticRun({ runId: "degraded", suite, seed: 2, wrongRate: 0.2 });
    const result = gate(baseline, degraded);
    expect(result.verdict).toBe("regression");
    expect(result.scoreDifference?.upper).toBeLessThan(-0.05);
    expect(result.mcnemar.pCandidateWorse).toBeLessThan(0.001);
  });

  it("says inconclusive on a 5-item suite, even for a much worse model", () => {
    const suite = syntheticSuite(5, 7);
    const baseline = syntheticRun({ runId: "base", suite, seed: 1 });
    expect(gate(baseline, syntheticRun({ runId: "same", suite, seed: 2 })).verdict).toBe("inconclusive");
    expect(gate(baseline, syntheticRun({ runId: "worse", suite, seed: 3, wrongRate: 0.5 })).verdict).toBe("inconclusive");
  });
});
