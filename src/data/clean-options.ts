import type { PiiEntityType } from "../guardrails/pii-config-schema.js";
import type { LshShape } from "./minhash.js";

/** What `gantry data clean` does to a file; defaults in `defaultCleanOptions` and docs/data.md. */
export interface CleanOptions {
  readonly input: string;
  readonly outDir: string;
  /** Word n-gram size for shingles (datatrove and text-dedup: 5). */
  readonly shingleSize: number;
  /** MinHash LSH bands × rows (datatrove's MinhashConfig: 14 × 8 = 112 hashes). */
  readonly shape: LshShape;
  /** True Jaccard a candidate pair must reach to count as a near-duplicate (text-dedup: 0.7). */
  readonly threshold: number;
  readonly seed: number;
  /** `remove` keeps the first row of each near-duplicate cluster; `group` keeps them all, in one split. */
  readonly nearDuplicates: "remove" | "group";
  /** Entity types replaced by placeholders; empty turns scrubbing off. */
  readonly pii: readonly PiiEntityType[];
  readonly minChars: number;
  readonly maxChars: number | undefined;
  /** ISO 639-3 codes (franc); undefined keeps every language. */
  readonly languages: readonly string[] | undefined;
  /** Unicode script names (Latin, Han, Cyrillic…); undefined keeps every script. */
  readonly scripts: readonly string[] | undefined;
  /** Share of clusters that go to validation.jsonl. */
  readonly validationFraction: number;
}

/** The documented defaults, each taken from the tool named beside it in docs/data.md. */
export const defaultCleanOptions = {
  shingleSize: 5,
  shape: { bands: 14, rows: 8 },
  threshold: 0.7,
  seed: 1,
  nearDuplicates: "remove",
  minChars: 1,
  maxChars: undefined,
  languages: undefined,
  scripts: undefined,
  validationFraction: 0.1,
} as const;
