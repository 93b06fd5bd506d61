/** Why a row left the dataset; each has its own count in the report. */
export type RemovalReason = "format" | "length" | "language" | "script" | "exact_duplicate" | "near_duplicate";

/** One line of removed.jsonl: which input line went, why, and for duplicates which line it duplicated. */
export interface Removal {
  readonly line: number;
  readonly reason: RemovalReason;
  readonly message?: string;
  /** The input line this row duplicated (the row it was verified against). */
  readonly duplicate_of?: number;
  /** The input line kept for this row's cluster. */
  readonly kept?: number;
  /** Jaccard similarity of word 5-gram shingles to `duplicate_of` (1 for exact duplicates). */
  readonly similarity?: number;
}

/** Fixed-width bins for a report histogram. */
export class Histogram {
  readonly counts: number[];

  constructor(
    readonly min: number,
    readonly max: number,
    readonly bins: number,
  ) {
    this.counts = new Array<number>(bins).fill(0);
  }

  add(value: number): void {
    const bin = Math.min(this.bins - 1, Math.max(0, Math.floor(((value - this.min) / (this.max - this.min)) * this.bins)));
    this.counts[bin] = (this.counts[bin] ?? 0) + 1;
  }

  /** [bin centre, count] pairs for a plot. */
  points(): Array<[number, number]> {
    const width = (this.max - this.min) / this.bins;
    return this.counts.map((count, bin) => [this.min + (bin + 0.5) * width, count]);
  }
}

/** What report.json holds: counts per step, dedup figures, histograms, time and memory. */
export interface CleanReport {
  readonly input: string;
  readonly lines: number;
  readonly steps: Array<{ step: string; in: number; removed: number; out: number }>;
  readonly removed: Record<RemovalReason, number>;
  readonly pii: { rows: number; entities: Record<string, number> };
  readonly dedup: { shingleSize: number; bands: number; rows: number; threshold: number; candidatePairs: number; verifiedPairs: number; clusters: number };
  readonly split: { train: number; validation: number; validationFraction: number };
  readonly scripts: Record<string, number>;
  readonly languages: Record<string, number>;
  readonly histograms: { charsIn: Histogram; charsOut: Histogram; nearDuplicateSimilarity: Histogram };
  readonly seconds: number;
  readonly linesPerSecond: number;
  readonly peakRssMiB: number;
}
