import { binary, textValue, type Scorer } from "./scorer.js";

/**
 * The letter an answer chose: "B", "(B)", "B)", "B.", "Answer: B", "The answer is B". An explicit "answer" phrase
 * wins over a leading letter; otherwise the first standalone letter among the choices counts.
 */
export function extractChoice(output: string, choices: string): string | undefined {
  // Only capitals count outside an "answer" phrase or parentheses: a lone lower-case "a" is an article, not a choice.
  const letters = `[${choices.toUpperCase()}]`;
  const patterns = [
    new RegExp(`answer(?:\\s+is)?\\s*[:\\-]?\\s*\\(?(${letters})\\b`, "i"),
    new RegExp(`^\\s*\\(?(${letters})(?:[).:]|\\s|$)`),
    new RegExp(`\\((${letters})\\)`, "i"),
    new RegExp(`\\b(${letters})\\b`),
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(output);
    if (match?.[1] !== undefined) return match[1].toUpperCase();
  }
  return undefined;
}

/** Multiple choice: the extracted letter equals `value`; `choices` lists the letters (default ABCD). */
export const multipleChoiceScorer: Scorer = (assertion, { output }) => {
  const choices = assertion.choices ?? "ABCD";
  const expected = textValue(assertion).trim().toUpperCase();
  const chosen = extractChoice(output, choices);
  return binary(chosen === expected, chosen === expected ? undefined : `chose ${chosen ?? "nothing"}, expected ${expected}`);
};
