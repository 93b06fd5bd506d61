import { binary, type Scorer } from "./scorer.js";

const numberPattern = /[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+/g;

/** The last number in a text (thousands separators allowed): answers usually end with their result. */
export function lastNumber(text: string): number | undefined {
  const found = text.match(numberPattern);
  const last = found?.at(-1);
  return last === undefined ? undefined : Number(last.replaceAll(",", ""));
}

/** Numeric match: the answer's last number is within `tolerance` (default 0) of `value`. */
export const numericScorer: Scorer = (assertion, { output }) => {
  const expected = Number(assertion.value);
  if (!Number.isFinite(expected)) throw new Error("numeric needs a number value");
  const got = lastNumber(output);
  if (got === undefined) return binary(false, "no number in the answer");
  const pass = Math.abs(got - expected) <= (assertion.tolerance ?? 0);
  return binary(pass, pass ? undefined : `got ${got}, expected ${expected} ± ${assertion.tolerance ?? 0}`);
};
