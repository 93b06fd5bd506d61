import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { piiEntityTypes, type PiiEntityType } from "../guardrails/pii-config-schema.js";
import { cleanDataset, type CleanProgress } from "../data/clean-dataset.js";
import { defaultCleanOptions, type CleanOptions } from "../data/clean-options.js";
import { formatCleanReport } from "../data/clean-report-text.js";
import { writeCleanReport } from "../data/write-clean-report.js";

const usage = `usage: gantry data clean IN.jsonl --out DIR [options]     chat {"messages"} or {"prompt","completion"} JSONL

dedup:     --threshold 0.7  --bands 14  --rows 8  --shingle 5  --seed 1  --near-duplicates remove|group
pii:       --pii email,phone,credit_card,iban,us_ssn,cn_resident_id,ip_address,secret (default: all) | none
filters:   --min-chars N  --max-chars N  --lang eng,fra (ISO 639-3)  --script Latin,Han
split:     --validation 0.1   (share of near-duplicate clusters in validation.jsonl)
writes:    DIR/train.jsonl DIR/validation.jsonl DIR/removed.jsonl DIR/report.json DIR/report.html (see docs/data.md)`;

class UsageError extends Error {}

/** `gantry data`: fine-tuning data tools (only `clean` for now). */
export async function data(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(`${usage}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "clean") {
    process.stderr.write(`gantry data: unknown subcommand "${sub}"\n${usage}\n`);
    return 2;
  }
  let options: CleanOptions;
  try {
    options = parseCleanArgs(rest);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error)) {
      process.stderr.write(`gantry data clean: ${error.message}\n${usage}\n`);
      return 2;
    }
    throw error;
  }
  const report = await cleanDataset(options, progressBar());
  await writeCleanReport(options.outDir, report);
  process.stdout.write(`${formatCleanReport(report)}\n`);
  return 0;
}

function parseCleanArgs(argv: string[]): CleanOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      threshold: { type: "string" },
      bands: { type: "string" },
      rows: { type: "string" },
      shingle: { type: "string" },
      seed: { type: "string" },
      "near-duplicates": { type: "string" },
      pii: { type: "string" },
      "min-chars": { type: "string" },
      "max-chars": { type: "string" },
      lang: { type: "string" },
      script: { type: "string" },
      validation: { type: "string" },
    },
  });
  const [input, ...extra] = positionals;
  if (input === undefined || extra.length > 0) throw new UsageError("give exactly one input file");
  if (values.out === undefined) throw new UsageError("--out DIR is required");
  const nearDuplicates = values["near-duplicates"] ?? defaultCleanOptions.nearDuplicates;
  if (nearDuplicates !== "remove" && nearDuplicates !== "group") throw new UsageError("--near-duplicates must be remove or group");
  const maxChars = values["max-chars"] === undefined ? undefined : integer("--max-chars", values["max-chars"], 1);
  return {
    input,
    outDir: values.out,
    shingleSize: integer("--shingle", values.shingle, 1, defaultCleanOptions.shingleSize),
    shape: { bands: integer("--bands", values.bands, 1, defaultCleanOptions.shape.bands), rows: integer("--rows", values.rows, 1, defaultCleanOptions.shape.rows) },
    threshold: fraction("--threshold", values.threshold, defaultCleanOptions.threshold),
    seed: integer("--seed", values.seed, 0, defaultCleanOptions.seed),
    nearDuplicates,
    pii: piiTypes(values.pii),
    minChars: integer("--min-chars", values["min-chars"], 0, defaultCleanOptions.minChars),
    maxChars,
    languages: list(values.lang),
    scripts: list(values.script),
    validationFraction: fraction("--validation", values.validation, defaultCleanOptions.validationFraction),
  };
}

function integer(flag: string, text: string | undefined, min: number, fallback?: number): number {
  if (text === undefined && fallback !== undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} must be an integer ≥ ${min}`);
  return value;
}

function fraction(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new UsageError(`${flag} must be between 0 and 1`);
  return value;
}

function list(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
}

function piiTypes(text: string | undefined): PiiEntityType[] {
  if (text === undefined) return [...piiEntityTypes];
  if (text === "none") return [];
  const known = new Set<string>(piiEntityTypes);
  const types = list(text) ?? [];
  const unknown = types.filter((type) => !known.has(type));
  if (unknown.length > 0) throw new UsageError(`--pii: unknown type ${unknown.join(", ")} (known: ${piiEntityTypes.join(", ")}, or none)`);
  return types as PiiEntityType[];
}

// A bar on a terminal only, so redirected output stays clean.
function progressBar(): CleanProgress {
  if (process.stderr.isTTY !== true) return { start: () => undefined, update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: "clean |{bar}| {percentage}% | {value}/{total} MiB read", hideCursor: true }, cliProgress.Presets.shades_classic);
  const mib = (bytes: number): number => Math.round(bytes / 1048576);
  return { start: (total) => bar.start(mib(total), 0), update: (read) => bar.update(mib(read)), stop: () => bar.stop() };
}
