import { describe, expect, it } from "vitest";
import { createSeededRandom, type SeededRandom } from "../../src/bench/seeded-random.js";
import { buildDriftReport, type DriftReport } from "../../src/drift/drift-report.js";
import type { DriftSample } from "../../src/drift/drift-sample.js";
import { promptLanguage, promptScript } from "../../src/drift/prompt-features.js";

// Synthetic traffic fed straight to the detector (the gateway test drives real requests). A stable stream draws every
// feature from fixed distributions; each shifted stream changes one thing.
const english = [
  "Please summarise the attached quarterly report and list the three most important risks for the board.",
  "Write a short story about a fox who learns to read books in the village library during the winter.",
  "Explain how a hash map handles collisions and when a balanced tree is the better choice for lookups.",
  "What are the main differences between a mortgage with a fixed rate and one with a variable rate?",
];
const french = [
  "Pouvez-vous résumer le rapport trimestriel ci-joint et citer les trois risques les plus importants pour le conseil ?",
  "Écris une courte histoire sur un renard qui apprend à lire des livres dans la bibliothèque du village pendant l'hiver.",
  "Explique comment une table de hachage gère les collisions et quand un arbre équilibré est le meilleur choix.",
  "Quelles sont les principales différences entre un prêt immobilier à taux fixe et un prêt à taux variable ?",
];
const chinese = ["请总结附件中的季度报告，并列出董事会最需要关注的三个风险。", "写一个关于狐狸在冬天的村庄图书馆里学习读书的短篇故事。", "解释哈希表如何处理冲突，以及什么时候平衡树是更好的选择。"];

interface Shape {
  promptMean: number;
  prompts: readonly string[];
  errorTypes: readonly [string, number][];
}

const stable: Shape = { promptMean: 400, prompts: english, errorTypes: [["none", 0.97], ["rate_limited", 0.02], ["upstream_timeout", 0.01]] };

function pick<T>(random: SeededRandom, weighted: readonly [T, number][]): T {
  let draw = random.next();
  for (const [value, weight] of weighted) {
    draw -= weight;
    if (draw < 0) return value;
  }
  return (weighted.at(-1) as [T, number])[0];
}

// Language detection is the same code the sampler runs; cached per text so 100 windows stay fast.
const features = new Map<string, { language: string; script: string }>();
const textFeatures = (text: string): { language: string; script: string } => {
  let found = features.get(text);
  if (found === undefined) features.set(text, (found = { language: promptLanguage(text), script: promptScript(text) }));
  return found;
};

function stream(seed: number, count: number, shape: Shape = stable): DriftSample[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const text = shape.prompts[random.integer(0, shape.prompts.length - 1)] as string;
    const errorType = pick(random, shape.errorTypes);
    const failed = errorType !== "none";
    return {
      time: index,
      model: "story",
      version: "v1",
      // Token counts are integers (ties), as real ones are.
      promptTokens: Math.round(random.gamma(4, shape.promptMean / 4)),
      outputTokens: failed ? 0 : Math.round(random.gamma(2, 100)),
      ttftMs: failed ? undefined : 120 + Math.abs(random.normal()) * 40,
      ...textFeatures(text),
      finishReason: failed ? "none" : pick(random, [["stop", 0.9], ["length", 0.1]]),
      refusal: !failed && random.next() < 0.03,
      errorType,
    };
  });
}

const window = { from: 0, to: 1 };
function compare(reference: DriftSample[], current: DriftSample[], minSamples = 50): DriftReport {
  return buildDriftReport({ model: "story", version: "v1", reference: window, current: window, referenceSamples: reference, currentSamples: current, minSamples });
}
const feature = (report: DriftReport, name: string) => report.features.find((entry) => entry.feature === name);

describe("drift detection on synthetic streams", () => {
  it("fires on a length shift (prompt tokens 400 → 600 on average)", () => {
    const report = compare(stream(1, 800), stream(2, 200, { ...stable, promptMean: 600 }));
    expect(feature(report, "prompt_tokens")).toMatchObject({ test: "ks", drifted: true });
    expect(feature(report, "prompt_tokens")?.p_value).toBeLessThan(1e-6);
    expect(report.drift_detected).toBe(true);
    expect(report.drifted_features).toEqual(["prompt_tokens"]);
  });

  it("fires on a language shift: English → French (language) and English → Chinese (language and script)", () => {
    const toFrench = compare(stream(3, 800), stream(4, 200, { ...stable, prompts: french }));
    expect(feature(toFrench, "language")).toMatchObject({ test: "chi_square", drifted: true });
    expect(feature(toFrench, "language")?.histogram.bins).toEqual(["eng", "fra"]);
    expect(feature(toFrench, "script")?.drifted).toBe(false);
    expect(toFrench.drift_detected).toBe(true);
    const toChinese = compare(stream(5, 800), stream(6, 200, { ...stable, prompts: chinese }));
    expect(feature(toChinese, "script")?.histogram.bins).toEqual(["Han", "Latin"]);
    expect(toChinese.drifted_features).toEqual(expect.arrayContaining(["language", "script"]));
  });

  it("fires on a new error type", () => {
    const current = stream(8, 200, { ...stable, errorTypes: [["none", 0.9], ["rate_limited", 0.02], ["upstream_timeout", 0.01], ["context_length_exceeded", 0.07]] });
    const report = compare(stream(7, 800), current);
    expect(feature(report, "error_type")?.histogram.bins).toContain("context_length_exceeded");
    expect(feature(report, "error_type")).toMatchObject({ test: "chi_square", drifted: true });
    expect(report.drift_detected).toBe(true);
  });

  it("switches to the distance tests above 1,000 rows on both sides and still fires", () => {
    const report = compare(stream(9, 3000), stream(10, 1500, { ...stable, promptMean: 600, prompts: french }));
    expect(feature(report, "prompt_tokens")).toMatchObject({ test: "wasserstein_normed", threshold: 0.1, drifted: true });
    expect(feature(report, "language")).toMatchObject({ test: "jensen_shannon", threshold: 0.1, drifted: true });
    expect(feature(report, "output_tokens")).toMatchObject({ test: "wasserstein_normed", drifted: false });
    expect(feature(report, "prompt_tokens")?.psi).toBeGreaterThan(0.1);
  });

  it.each([
    { tests: "KS and chi-square", referenceSize: 800, currentSize: 200, seed: 1000 },
    { tests: "KS and chi-square, large reference", referenceSize: 3000, currentSize: 500, seed: 5000 },
    { tests: "Wasserstein and Jensen-Shannon", referenceSize: 3000, currentSize: 1500, seed: 9000 },
  ])("keeps the false-positive rate at or under 5% over 100 stable windows ($tests)", ({ tests, referenceSize, currentSize, seed }) => {
    const runs = 100;
    let alarms = 0;
    let datasetDrifts = 0;
    const perFeature = new Map<string, number>();
    for (let run = 0; run < runs; run++) {
      const report = compare(stream(seed + 2 * run, referenceSize), stream(seed + 1 + 2 * run, currentSize));
      if (report.drift_detected) alarms++;
      if (report.dataset_drift) datasetDrifts++;
      for (const name of report.drifted_features) perFeature.set(name, (perFeature.get(name) ?? 0) + 1);
    }
    const rates = [...perFeature].map(([name, count]) => `${name} ${count}%`).join(", ");
    console.log(`drift false positives over ${runs} stable windows (${tests}, ${referenceSize} vs ${currentSize} samples): alarm ${alarms}%, dataset drift ${datasetDrifts}%; single features (Evidently's verdict each): ${rates || "none"}`);
    expect(alarms / runs).toBeLessThanOrEqual(0.05);
    expect(datasetDrifts / runs).toBeLessThanOrEqual(0.05);
  });

  it("says not enough data for a too-small window, never drift", () => {
    // Ten requests of a wildly different stream: below min_samples (50) nothing is tested.
    const report = compare(stream(11, 800), stream(12, 10, { promptMean: 5000, prompts: chinese, errorTypes: [["upstream_timeout", 1]] }));
    expect(report.not_enough_data).toBe(true);
    expect(report.drift_detected).toBe(false);
    expect(report.dataset_drift).toBe(false);
    for (const entry of report.features) expect(entry).toMatchObject({ status: "not_enough_data", drifted: false, test: null, p_value: null });
  });
});
