import { binary, textValue, textValues, type Scorer } from "./scorer.js";

const fold = (text: string, ignoreCase: boolean): string => (ignoreCase ? text.toLowerCase() : text);

function containsScorer(ignoreCase: boolean, mode: "one" | "any" | "all"): Scorer {
  return (assertion, { output }) => {
    const haystack = fold(output, ignoreCase);
    const needles = mode === "one" ? [textValue(assertion)] : textValues(assertion);
    const found = needles.filter((needle) => haystack.includes(fold(needle, ignoreCase)));
    const pass = mode === "all" ? found.length === needles.length : found.length > 0;
    return binary(pass, pass ? undefined : `expected ${mode === "all" ? "all of" : "one of"} ${JSON.stringify(needles)}`);
  };
}

/** Exact equality after trimming surrounding whitespace (as promptfoo's `equals` compares). */
export const equalsScorer: Scorer = (assertion, { output }) => {
  const expected = textValue(assertion);
  const pass = output.trim() === expected.trim();
  return binary(pass, pass ? undefined : `expected ${JSON.stringify(expected)}`);
};

/** The answer (trimmed of leading whitespace) starts with the value. */
export const startsWithScorer: Scorer = (assertion, { output }) => binary(output.trimStart().startsWith(textValue(assertion)));

/** A JavaScript regular expression that must match: `pattern`, or `/pattern/flags` to set flags. */
export const regexScorer: Scorer = (assertion, { output }) => {
  const source = textValue(assertion);
  const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(source);
  const pattern = literal === null ? new RegExp(source) : new RegExp(literal[1] ?? "", literal[2]);
  return binary(pattern.test(output));
};

/** The contains family: case-sensitive or not, one value, any of a list or all of it. */
export const textScorers = {
  contains: containsScorer(false, "one"),
  icontains: containsScorer(true, "one"),
  "contains-any": containsScorer(false, "any"),
  "contains-all": containsScorer(false, "all"),
  "icontains-any": containsScorer(true, "any"),
  "icontains-all": containsScorer(true, "all"),
  equals: equalsScorer,
  "starts-with": startsWithScorer,
  regex: regexScorer,
} satisfies Record<string, Scorer>;
