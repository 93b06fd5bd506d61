import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { data } from "../../src/cli/data.js";
import { cleanDataset } from "../../src/data/clean-dataset.js";
import { defaultCleanOptions, type CleanOptions } from "../../src/data/clean-options.js";
import type { Removal } from "../../src/data/clean-report.js";
import { writeCleanReport } from "../../src/data/write-clean-report.js";
import { scoreDedup, writePlantedCorpus } from "../helpers/planted-corpus.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-data-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = (input: string, outDir: string, overrides: Partial<CleanOptions> = {}): CleanOptions => ({ ...defaultCleanOptions, input, outDir, pii: ["email", "credit_card"], ...overrides });

async function jsonl<T>(path: string): Promise<T[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T);
}

describe("gantry data clean", () => {
  it("finds planted near-duplicates (edits, reorderings, boilerplate) with recall ≥ 0.95 at precision ≥ 0.99, naming the row each duplicated", async () => {
    const input = join(dir, "planted.jsonl");
    const truth = await writePlantedCorpus(input, { originals: 2000, plantedShare: 0.25, sentencesPerRow: [8, 14], seed: 7 });
    const out = join(dir, "planted");
    const report = await cleanDataset(options(input, out));
    const removals = await jsonl<Removal>(join(out, "removed.jsonl"));
    const score = scoreDedup(truth, removals);
    const byKind = new Map<string, { planted: number; found: number }>();
    for (const [line, plant] of truth.planted) {
      const entry = byKind.get(plant.kind) ?? { planted: 0, found: 0 };
      entry.planted += 1;
      if (removals.some((removal) => removal.line === line && removal.kept === plant.original)) entry.found += 1;
      byKind.set(plant.kind, entry);
    }
    console.log(`data clean dedup: recall ${score.recall.toFixed(4)} (${score.found}/${score.planted}), precision ${score.precision.toFixed(4)} (${score.removed} removed); by kind ${JSON.stringify(Object.fromEntries(byKind))}; ${report.dedup.candidatePairs} candidate pairs, ${report.dedup.verifiedPairs} verified`);
    expect(score.recall).toBeGreaterThanOrEqual(0.95);
    expect(score.precision).toBeGreaterThanOrEqual(0.99);
    const near = removals.filter((removal) => removal.reason === "near_duplicate");
    for (const removal of near) {
      expect(removal.duplicate_of).toBeLessThan(removal.line);
      expect(removal.similarity).toBeGreaterThanOrEqual(0.7);
    }
    const train = await jsonl<{ messages: unknown[] }>(join(out, "train.jsonl"));
    const validation = await jsonl<{ messages: unknown[] }>(join(out, "validation.jsonl"));
    expect(train.length + validation.length + removals.length).toBe(truth.lines);
    expect(validation.length / (train.length + validation.length)).toBeGreaterThan(0.05);
    expect(validation.length / (train.length + validation.length)).toBeLessThan(0.15);
  });

  it("keeps every near-duplicate cluster inside one split when asked to group rather than remove", async () => {
    const input = join(dir, "grouped.jsonl");
    const truth = await writePlantedCorpus(input, { originals: 600, plantedShare: 0.5, sentencesPerRow: [8, 12], seed: 11 });
    const out = join(dir, "grouped");
    await cleanDataset(options(input, out, { nearDuplicates: "group", validationFraction: 0.3, pii: [] }));
    const original = (await readFile(input, "utf8")).split("\n");
    const splitOfLine = new Map<string, string>();
    for (const split of ["train", "validation"]) for (const line of (await readFile(join(out, `${split}.jsonl`), "utf8")).split("\n").filter((entry) => entry !== "")) splitOfLine.set(line, split);
    const grouped = await jsonl<{ line: number; kept: number; split: string }>(join(out, "near-duplicates.jsonl"));
    expect(scoreDedup(truth, grouped.map((entry) => ({ ...entry, reason: "near_duplicate" }))).recall).toBeGreaterThanOrEqual(0.95);
    for (const entry of grouped) {
      expect(splitOfLine.get(original[entry.line - 1] ?? "")).toBe(entry.split);
      expect(splitOfLine.get(original[entry.kept - 1] ?? "")).toBe(entry.split);
    }
    expect(splitOfLine.size).toBe(truth.lines);
    expect(new Set(splitOfLine.values()).size).toBe(2);
  });

  it("normalises, unifies formats, scrubs PII, drops exact duplicates and reports each bad line with its reason", async () => {
    const input = join(dir, "mixed.jsonl");
    const lines = [
      JSON.stringify({ messages: [{ role: "user", content: "Cafe\u0301   menu?\r\n\r\n\r\nPlease" }, { role: "assistant", content: "Mail me at jane.doe@example.com " }] }),
      JSON.stringify({ prompt: "Pay with 4111 1111 1111 1111", completion: "Done." }),
      "{not json",
      JSON.stringify({ messages: [{ role: "user", content: "no answer here" }] }),
      JSON.stringify({ messages: [{ role: "wizard", content: "x" }] }),
      JSON.stringify({ messages: [{ role: "user", content: "Café menu?\n\nPlease" }, { role: "assistant", content: "Mail me at jane.doe@example.com" }] }),
      "",
      JSON.stringify({ messages: [{ role: "user", content: "这是一个中文的问题吗" }, { role: "assistant", content: "是的，这是中文。" }] }),
    ];
    await writeFile(input, `${lines.join("\n")}\n`);
    const out = join(dir, "mixed");
    const report = await cleanDataset(options(input, out, { validationFraction: 0, scripts: ["Latin"] }));
    await writeCleanReport(out, report);
    const train = await jsonl<{ messages: Array<{ role: string; content: string }> }>(join(out, "train.jsonl"));
    expect(train).toEqual([
      { messages: [{ role: "user", content: "Café menu?\n\nPlease" }, { role: "assistant", content: "Mail me at <EMAIL_1>" }] },
      { messages: [{ role: "user", content: "Pay with <CREDIT_CARD_1>" }, { role: "assistant", content: "Done." }] },
    ]);
    const removals = await jsonl<Removal>(join(out, "removed.jsonl"));
    expect(removals).toEqual([
      { line: 3, reason: "format", message: expect.stringContaining("not valid JSON") as unknown as string },
      { line: 4, reason: "format", message: "a row needs at least one assistant message to train on" },
      { line: 5, reason: "format", message: "messages[0].role must be system, user or assistant" },
      { line: 6, reason: "exact_duplicate", duplicate_of: 1, kept: 1, similarity: 1 },
      { line: 8, reason: "script", message: "written in Han" },
    ]);
    expect(report.pii).toEqual({ rows: 3, entities: { email: 2, credit_card: 1 } });
    expect(report.steps.map((step) => [step.step, step.removed])).toEqual([
      ["format", 3],
      ["length", 0],
      ["script", 1],
      ["language", 0],
      ["exact_duplicate", 1],
      ["near_duplicate", 0],
    ]);
    const saved = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as { removed: Record<string, number> };
    expect(saved.removed["format"]).toBe(3);
    expect(await readFile(join(out, "report.html"), "utf8")).toContain("<svg");
  });

  it("filters by language with franc, keeping rows too short to tell", async () => {
    const input = join(dir, "languages.jsonl");
    const english = "The committee met on Tuesday to discuss the budget for next year and agreed to postpone the final vote until more information is available.";
    const french = "Le comité s'est réuni mardi pour discuter du budget de l'année prochaine et a convenu de reporter le vote final jusqu'à ce que plus d'informations soient disponibles.";
    const rows = [english, french, "ok"].map((content) => JSON.stringify({ messages: [{ role: "user", content }, { role: "assistant", content }] }));
    await writeFile(input, `${rows.join("\n")}\n`);
    const out = join(dir, "languages");
    const report = await cleanDataset(options(input, out, { languages: ["eng"], validationFraction: 0 }));
    const removals = await jsonl<Removal>(join(out, "removed.jsonl"));
    expect(removals).toEqual([{ line: 2, reason: "language", message: "detected fra" }]);
    expect(report.split.train).toBe(2);
  });

  it("runs from the command line, writing every output file, and refuses bad flags with exit code 2", async () => {
    const input = join(dir, "cli.jsonl");
    await writeFile(input, `${JSON.stringify({ prompt: "Hello there", completion: "General Kenobi" })}\n`);
    const out = join(dir, "cli");
    expect(await data(["clean", input, "--out", out, "--validation", "0"])).toBe(0);
    for (const file of ["train.jsonl", "validation.jsonl", "removed.jsonl", "report.json", "report.html"]) expect((await readFile(join(out, file), "utf8")).length).toBeGreaterThanOrEqual(0);
    expect(await readFile(join(out, "train.jsonl"), "utf8")).toBe(`${JSON.stringify({ messages: [{ role: "user", content: "Hello there" }, { role: "assistant", content: "General Kenobi" }] })}\n`);
    expect(await data(["clean", input])).toBe(2);
    expect(await data(["clean", input, "--out", out, "--threshold", "2"])).toBe(2);
    expect(await data(["clean", input, "--out", out, "--pii", "passport"])).toBe(2);
  });
});
