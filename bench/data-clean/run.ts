// `gantry data clean` at scale: writes a synthetic chat corpus with planted near-duplicates (edits, a moved sentence,
// a boilerplate preamble), cleans it with the default settings, and prints throughput, peak RSS, and dedup recall and
// precision against the planted truth.
// Usage: npx tsx bench/data-clean/run.ts [--lines 1000000] [--out bench/data-clean/results.json]
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cleanDataset } from "../../src/data/clean-dataset.js";
import { defaultCleanOptions } from "../../src/data/clean-options.js";
import type { Removal } from "../../src/data/clean-report.js";
import { formatCleanReport } from "../../src/data/clean-report-text.js";
import { scoreDedup, writePlantedCorpus } from "../../test/helpers/planted-corpus.js";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "1000000" },
    out: { type: "string", default: "bench/data-clean/results.json" },
  },
});
const originals = Math.round(Number(values.lines) / 1.2);
const dir = await mkdtemp(join(tmpdir(), "gantry-data-bench-"));
try {
  const input = join(dir, "corpus.jsonl");
  const generated = performance.now();
  const truth = await writePlantedCorpus(input, { originals, plantedShare: 0.2, sentencesPerRow: [8, 14], seed: 42 });
  console.log(`corpus: ${truth.lines} lines (${truth.planted.size} planted near-duplicates) in ${((performance.now() - generated) / 1000).toFixed(1)} s`);
  const out = join(dir, "out");
  const report = await cleanDataset({ ...defaultCleanOptions, input, outDir: out, pii: [] });
  console.log(formatCleanReport(report));
  const removals = (await readFile(join(out, "removed.jsonl"), "utf8"))
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Removal);
  const score = scoreDedup(truth, removals);
  console.log(`dedup vs planted truth: recall ${score.recall.toFixed(4)} (${score.found}/${score.planted}), precision ${score.precision.toFixed(4)} (${score.removed} removed)`);
  const result = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
    lines: truth.lines,
    planted: truth.planted.size,
    seconds: report.seconds,
    linesPerSecond: report.linesPerSecond,
    peakRssMiB: report.peakRssMiB,
    recall: score.recall,
    precision: score.precision,
    dedup: report.dedup,
    steps: report.steps,
  };
  await writeFile(values.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`saved ${values.out}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
