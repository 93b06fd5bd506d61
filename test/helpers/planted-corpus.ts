import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { createSeededRandom, type SeededRandom } from "../../src/bench/seeded-random.js";

/** How a planted near-duplicate differs from its original. */
export type PlantKind = "edit" | "reorder" | "boilerplate";

export interface PlantedCorpusOptions {
  readonly originals: number;
  /** Share of originals that get one planted near-duplicate. */
  readonly plantedShare: number;
  readonly sentencesPerRow: readonly [number, number];
  readonly seed: number;
}

/** Ground truth: for every planted line (1-based), the line of its original and how it was changed. */
export interface PlantedTruth {
  readonly lines: number;
  readonly planted: Map<number, { original: number; kind: PlantKind }>;
}

const boilerplate = "Below is an instruction that describes a task. Write a response that appropriately completes the request.";

/**
 * Writes a synthetic chat-format corpus: originals made of random sentences over a 5,000-word vocabulary (so unrelated
 * rows share almost no 5-grams), and for a share of them one near-duplicate placed later in the file: a word or two
 * substituted, a sentence moved, or a boilerplate preamble added.
 */
export async function writePlantedCorpus(path: string, options: PlantedCorpusOptions): Promise<PlantedTruth> {
  const random = createSeededRandom(options.seed);
  const vocabulary = Array.from({ length: 5000 }, () => word(random));
  const file = createWriteStream(path);
  const planted = new Map<number, { original: number; kind: PlantKind }>();
  const pending: Array<{ at: number; sentences: string[]; original: number; kind: PlantKind }> = [];
  let line = 0;
  const write = async (sentences: readonly string[]): Promise<void> => {
    line += 1;
    const half = Math.ceil(sentences.length / 3);
    const row = { messages: [{ role: "user", content: sentences.slice(0, half).join(" ") }, { role: "assistant", content: sentences.slice(half).join(" ") }] };
    if (!file.write(`${JSON.stringify(row)}\n`)) await once(file, "drain");
  };
  const kinds: PlantKind[] = ["edit", "reorder", "boilerplate"];
  for (let index = 0; index < options.originals; index += 1) {
    const count = random.integer(options.sentencesPerRow[0], options.sentencesPerRow[1]);
    const sentences = Array.from({ length: count }, () => sentence(random, vocabulary));
    await write(sentences);
    if (random.next() < options.plantedShare) {
      const kind = kinds[random.integer(0, kinds.length - 1)] ?? "edit";
      pending.push({ at: index + random.integer(1, 50), sentences: plant(kind, sentences, random, vocabulary), original: line, kind });
    }
    for (let next = pending.findIndex((entry) => entry.at <= index); next !== -1; next = pending.findIndex((entry) => entry.at <= index)) {
      const [entry] = pending.splice(next, 1);
      if (entry === undefined) break;
      await write(entry.sentences);
      planted.set(line, { original: entry.original, kind: entry.kind });
    }
  }
  for (const entry of pending) {
    await write(entry.sentences);
    planted.set(line, { original: entry.original, kind: entry.kind });
  }
  file.end();
  await once(file, "finish");
  return { lines: line, planted };
}

function plant(kind: PlantKind, sentences: readonly string[], random: SeededRandom, vocabulary: readonly string[]): string[] {
  const copy = [...sentences];
  if (kind === "boilerplate") return [boilerplate, ...copy];
  if (kind === "reorder") {
    const [moved] = copy.splice(random.integer(0, copy.length - 2), 1);
    copy.push(moved ?? "");
    return copy;
  }
  // One edit per four sentences, alternating a substituted and a dropped word: each changes about five 5-grams.
  const edits = Math.max(1, Math.floor(copy.length / 4));
  for (let edit = 0; edit < edits; edit += 1) {
    const target = random.integer(0, copy.length - 1);
    const words = (copy[target] ?? "").split(" ");
    const at = random.integer(1, words.length - 1);
    if (edit % 2 === 1) words.splice(at, 1);
    else words[at] = vocabulary[random.integer(0, vocabulary.length - 1)] ?? "x";
    copy[target] = words.join(" ");
  }
  return copy;
}

function sentence(random: SeededRandom, vocabulary: readonly string[]): string {
  const words = Array.from({ length: random.integer(8, 16) }, () => vocabulary[random.integer(0, vocabulary.length - 1)] ?? "x");
  const text = words.join(" ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function word(random: SeededRandom): string {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  return Array.from({ length: random.integer(3, 9) }, () => letters[random.integer(0, 25)]).join("");
}

/** Recall and precision of removed.jsonl's near-duplicate verdicts against the planted truth. */
export function scoreDedup(truth: PlantedTruth, removals: ReadonlyArray<{ line: number; reason: string; kept?: number }>): { recall: number; precision: number; found: number; planted: number; removed: number } {
  const dedupRemovals = removals.filter((removal) => removal.reason === "near_duplicate" || removal.reason === "exact_duplicate");
  let correct = 0;
  for (const removal of dedupRemovals) if (truth.planted.get(removal.line)?.original === removal.kept) correct += 1;
  return { recall: correct / truth.planted.size, precision: dedupRemovals.length === 0 ? 1 : correct / dedupRemovals.length, found: correct, planted: truth.planted.size, removed: dedupRemovals.length };
}
