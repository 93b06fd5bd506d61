import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, statSync, type WriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { franc } from "franc-min";
import { createPiiRedactor } from "../guardrails/pii-redactor.js";
import type { CleanOptions } from "./clean-options.js";
import { Histogram, type CleanReport, type Removal, type RemovalReason } from "./clean-report.js";
import { GrowableArray } from "./growable-array.js";
import { minhashBands } from "./minhash.js";
import { findNearDuplicates, none } from "./near-duplicates.js";
import { dedupText, normalizeRow } from "./normalize-text.js";
import { RowSpool } from "./row-spool.js";
import { jaccard, shingleHashes } from "./shingles.js";
import { splitOf } from "./split-assignment.js";
import { dominantScript } from "./text-script.js";
import { parseTrainingRow, RowFormatError, type TrainingRow } from "./training-row.js";

/** Told how far the first pass has read, for a progress bar. */
export interface CleanProgress {
  start(totalBytes: number): void;
  update(bytesRead: number): void;
  stop(): void;
}

const silent: CleanProgress = { start: () => undefined, update: () => undefined, stop: () => undefined };

/**
 * `gantry data clean`: one streaming pass that parses, normalises, scrubs, filters and exact-dedups every line into a
 * scratch spool (keeping only fixed-size figures per row in memory), MinHash LSH over the spool with verified Jaccard,
 * then a second streaming pass that writes the splits. Writes train.jsonl, validation.jsonl, removed.jsonl,
 * report.json and returns the report.
 */
export async function cleanDataset(options: CleanOptions, progress: CleanProgress = silent): Promise<CleanReport> {
  const startedAt = performance.now();
  await mkdir(options.outDir, { recursive: true });
  const removedFile = createWriteStream(join(options.outDir, "removed.jsonl"));
  const removed: Record<RemovalReason, number> = { format: 0, length: 0, language: 0, script: 0, exact_duplicate: 0, near_duplicate: 0 };
  const remove = (removal: Removal): Promise<void> => {
    removed[removal.reason] += 1;
    return writeLine(removedFile, JSON.stringify(removal));
  };
  const spool = new RowSpool(join(options.outDir, ".spool.jsonl"));
  const lineOf = new GrowableArray((size) => new Uint32Array(size));
  const bandHashes = Array.from({ length: options.shape.bands }, () => new GrowableArray((size) => new Uint32Array(size)));
  const exact = new Map<number, number>();
  const charsIn = new Histogram(0, 5, 25);
  const charsOut = new Histogram(0, 5, 25);
  const scripts: Record<string, number> = {};
  const languages: Record<string, number> = {};
  const piiEntities: Record<string, number> = {};
  let piiRows = 0;
  let lines = 0;
  let parsed = 0;

  const totalBytes = statSync(options.input).size;
  progress.start(totalBytes);
  const input = createReadStream(options.input);
  const reader = createInterface({ input, crlfDelay: Infinity });
  for await (const text of reader) {
    lines += 1;
    if (lines % 1000 === 0) progress.update(input.bytesRead);
    if (text.trim() === "") continue;
    let row: TrainingRow;
    try {
      row = normalizeRow(parseTrainingRow(text));
    } catch (error) {
      if (!(error instanceof RowFormatError)) throw error;
      await remove({ line: lines, reason: "format", message: error.message });
      continue;
    }
    parsed += 1;
    if (options.pii.length > 0) row = scrubRow(row, options, piiEntities, () => (piiRows += 1));
    const content = row.messages.map((message) => message.content).join("\n");
    charsIn.add(Math.log10(content.length + 1));
    if (content.length < options.minChars || (options.maxChars !== undefined && content.length > options.maxChars)) {
      await remove({ line: lines, reason: "length", message: `${content.length} characters, outside ${options.minChars}..${options.maxChars ?? "∞"}` });
      continue;
    }
    const script = dominantScript(content);
    scripts[script] = (scripts[script] ?? 0) + 1;
    if (options.scripts !== undefined && !options.scripts.includes(script)) {
      await remove({ line: lines, reason: "script", message: `written in ${script}` });
      continue;
    }
    if (options.languages !== undefined) {
      // franc says "und" for text too short to tell; such rows are kept rather than guessed away.
      const language = franc(content.slice(0, 2000));
      languages[language] = (languages[language] ?? 0) + 1;
      if (language !== "und" && !options.languages.includes(language)) {
        await remove({ line: lines, reason: "language", message: `detected ${language}` });
        continue;
      }
    }
    const json = JSON.stringify({ messages: row.messages });
    const digest = createHash("sha1").update(json).digest().readUIntBE(0, 6);
    const earlier = exact.get(digest);
    // A 48-bit digest can collide, so a match is confirmed on the text itself before a row goes.
    if (earlier !== undefined && spool.read(earlier) === json) {
      await remove({ line: lines, reason: "exact_duplicate", duplicate_of: lineOf.get(earlier), kept: lineOf.get(earlier), similarity: 1 });
      continue;
    }
    const index = spool.append(json);
    if (earlier === undefined) exact.set(digest, index);
    lineOf.push(lines);
    charsOut.add(Math.log10(content.length + 1));
    const bands = minhashBands(shingleHashes(dedupText(row), options.shingleSize), options.shape, options.seed);
    bands.forEach((hash, band) => bandHashes[band]?.push(hash));
  }
  progress.update(totalBytes);
  progress.stop();

  const count = spool.count;
  const shinglesOf = (index: number): Set<number> => shingleHashes(dedupText(JSON.parse(spool.read(index)) as Pick<TrainingRow, "messages">), options.shingleSize);
  const near = findNearDuplicates(bandHashes, count, options.shape, options.threshold, shinglesOf);
  const similarityHistogram = new Histogram(options.threshold, 1, 20);
  const files = { train: createWriteStream(join(options.outDir, "train.jsonl")), validation: createWriteStream(join(options.outDir, "validation.jsonl")) };
  const split = { train: 0, validation: 0 };
  const roots = new Set<number>();
  // In group mode the near-duplicates stay, and near-duplicates.jsonl says which row each one duplicated.
  const groupedFile = options.nearDuplicates === "group" ? createWriteStream(join(options.outDir, "near-duplicates.jsonl")) : undefined;
  for (let index = 0; index < count; index += 1) {
    const root = near.clusters.find(index);
    roots.add(root);
    const target = splitOf(root, options.seed, options.validationFraction);
    if (root !== index) {
      const partner = near.partner[index] ?? none;
      // A row can join its cluster through a later row; it is then reported against the row the cluster keeps.
      const against = partner === none ? root : partner;
      const similarity = partner === none ? jaccard(shinglesOf(root), shinglesOf(index)) : (near.similarity[index] ?? 0);
      similarityHistogram.add(similarity);
      const duplicate = { line: lineOf.get(index), reason: "near_duplicate", duplicate_of: lineOf.get(against), kept: lineOf.get(root), similarity: Math.round(similarity * 1000) / 1000 } as const;
      if (groupedFile === undefined) {
        await remove(duplicate);
        continue;
      }
      await writeLine(groupedFile, JSON.stringify({ ...duplicate, split: target }));
    }
    split[target] += 1;
    await writeLine(files[target], spool.read(index));
  }
  spool.close();
  await Promise.all([endStream(files.train), endStream(files.validation), endStream(removedFile), ...(groupedFile === undefined ? [] : [endStream(groupedFile)])]);
  await rm(spool.path, { force: true });

  const afterFormat = parsed;
  const afterLength = afterFormat - removed.length;
  const afterScript = afterLength - removed.script;
  const afterLanguage = afterScript - removed.language;
  const afterExact = afterLanguage - removed.exact_duplicate;
  const seconds = (performance.now() - startedAt) / 1000;
  const report: CleanReport = {
    input: options.input,
    lines,
    steps: [
      { step: "format", in: parsed + removed.format, removed: removed.format, out: afterFormat },
      { step: "length", in: afterFormat, removed: removed.length, out: afterLength },
      { step: "script", in: afterLength, removed: removed.script, out: afterScript },
      { step: "language", in: afterScript, removed: removed.language, out: afterLanguage },
      { step: "exact_duplicate", in: afterLanguage, removed: removed.exact_duplicate, out: afterExact },
      { step: "near_duplicate", in: afterExact, removed: removed.near_duplicate, out: afterExact - removed.near_duplicate },
    ],
    removed,
    pii: { rows: piiRows, entities: piiEntities },
    dedup: { shingleSize: options.shingleSize, ...options.shape, threshold: options.threshold, candidatePairs: near.candidatePairs, verifiedPairs: near.verifiedPairs, clusters: roots.size },
    split: { ...split, validationFraction: options.validationFraction },
    scripts,
    languages,
    histograms: { charsIn, charsOut, nearDuplicateSimilarity: similarityHistogram },
    seconds,
    linesPerSecond: lines / Math.max(seconds, 1e-9),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  return report;
}

function scrubRow(row: TrainingRow, options: CleanOptions, entities: Record<string, number>, countRow: () => void): TrainingRow {
  const redactor = createPiiRedactor(options.pii);
  const messages = row.messages.map((message) => ({ role: message.role, content: redactor.redact(message.content) }));
  const found = redactor.found();
  if (found.length === 0) return row;
  countRow();
  for (const type of found) entities[type] = (entities[type] ?? 0) + 1;
  return { format: row.format, messages };
}

// Waits for the file to drain when its buffer is full, so a fast reader never piles the output up in memory.
async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, "drain");
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once("error", reject);
    stream.end(() => resolve());
  });
}
