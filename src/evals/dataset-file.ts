import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";

/** One row of a dataset before validation: a test-shaped object ({vars, assert, …}) or a flat record of vars. */
export type DatasetRow = Record<string, unknown>;

const testKeys = new Set(["vars", "assert", "description", "id", "threshold"]);

/**
 * Turns a flat row into a test: columns are vars, except promptfoo's `__expected` (an assertion, `type: value`
 * when the prefix names a scorer, else `equals`), `__description` and `__id`.
 */
export function rowToTest(row: DatasetRow, isScorer: (type: string) => boolean): DatasetRow {
  if (Object.keys(row).length > 0 && Object.keys(row).every((key) => testKeys.has(key))) return row;
  const vars: Record<string, unknown> = {};
  const test: DatasetRow = { vars };
  for (const [key, value] of Object.entries(row)) {
    if (key === "__expected" && typeof value === "string" && value !== "") {
      const prefixed = /^([a-z-]+):\s?([\s\S]*)$/.exec(value);
      test["assert"] = [prefixed !== null && isScorer(prefixed[1] ?? "") ? { type: prefixed[1], value: prefixed[2] } : { type: "equals", value }];
    } else if (key === "__description") test["description"] = value;
    else if (key === "__id") test["id"] = value;
    else if (!key.startsWith("__")) vars[key] = value;
  }
  return test;
}

/** Reads a JSONL (one object a line, blank lines skipped) or CSV (header row) dataset. Errors name the line. */
export async function readDatasetFile(path: string): Promise<DatasetRow[]> {
  const text = await readFile(path, "utf8");
  if (/\.csv$/i.test(path)) return parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: false }) as DatasetRow[];
  const rows: DatasetRow[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${path}:${index + 1}: not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${path}:${index + 1}: each line must be a JSON object`);
    rows.push(value as DatasetRow);
  }
  return rows;
}
