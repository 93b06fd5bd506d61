import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";

const answer = z.string().min(1);

/** One rule: exactly one way to match (exact, regex, keywords, faq) and the answer template. */
const ruleSchema = z.union([
  z.strictObject({ exact: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]), answer }),
  z.strictObject({ regex: z.string().min(1), flags: z.string().regex(/^[imsu]*$/, "flags are i, m, s, u").default("i"), answer }),
  /** Matches when any keyword (or, with `all`, every keyword) appears as a word or phrase. */
  z.strictObject({ keywords: z.array(z.string().min(1)).min(1), all: z.boolean().default(false), answer }),
  /** Matches when the message shares enough words with one of the questions (Jaccard ≥ min_score). */
  z.strictObject({ faq: z.array(z.string().min(1)).min(1), min_score: z.number().gt(0).max(1).default(0.6), answer }),
]);

/** A rules file: rules tried in order, and an optional answer when none matches. */
export const rulesFileSchema = z.strictObject({
  rules: z.array(ruleSchema).default([]),
  default: answer.optional(),
});

export type RulesFile = z.output<typeof rulesFileSchema>;
export type Rule = RulesFile["rules"][number];

/** Reads and validates a rules file at startup; relative paths resolve against the working directory. */
export function loadRulesFile(file: string): RulesFile {
  const path = resolve(process.cwd(), file);
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read rules file ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const result = rulesFileSchema.safeParse(parsed ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new Error(`invalid rules file ${path}:\n${problems.join("\n")}`);
  }
  for (const [index, rule] of result.data.rules.entries()) {
    if ("regex" in rule) {
      try {
        new RegExp(rule.regex, rule.flags);
      } catch (error) {
        throw new Error(`invalid rules file ${path}: rules[${index}].regex: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
  }
  return result.data;
}
