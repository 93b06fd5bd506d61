import type { Rule, RulesFile } from "./rules-file.js";

/** The answer text of the first matching rule, templates filled in. */
export interface RulesAnswer {
  readonly text: string;
  /** Whether a rule matched, as opposed to the file's `default`. */
  readonly matched: boolean;
}

/** Answers a message from rules; undefined when nothing matches and there is no default. */
export type RulesMatcher = (message: string, options?: { useDefault?: boolean }) => RulesAnswer | undefined;

/** Messages longer than this are matched on their start only, so a huge prompt cannot make matching slow. */
const maxMessageChars = 4_096;

/** Compiles a rules file into a matcher; regexes are built once here, not per request. */
export function createRulesMatcher(file: RulesFile): RulesMatcher {
  const matchers = file.rules.map(compileRule);
  return (message, options = {}) => {
    const text = message.slice(0, maxMessageChars);
    const normalised = normalise(text);
    const words = wordsOf(normalised);
    for (const match of matchers) {
      const answer = match(text, normalised, words);
      if (answer !== undefined) return { text: answer, matched: true };
    }
    if (options.useDefault !== false && file.default !== undefined) return { text: fillTemplate(file.default, [], {}, text), matched: false };
    return undefined;
  };
}

type CompiledRule = (text: string, normalised: string, words: ReadonlySet<string>) => string | undefined;

function compileRule(rule: Rule): CompiledRule {
  if ("exact" in rule) {
    const targets = new Set((Array.isArray(rule.exact) ? rule.exact : [rule.exact]).map(normalise));
    return (text, normalised) => (targets.has(normalised) ? fillTemplate(rule.answer, [text], {}, text) : undefined);
  }
  if ("regex" in rule) {
    const pattern = new RegExp(rule.regex, rule.flags.replace(/[gy]/g, ""));
    return (text) => {
      const found = pattern.exec(text);
      return found === null ? undefined : fillTemplate(rule.answer, [...found], found.groups ?? {}, text);
    };
  }
  if ("keywords" in rule) {
    const keywords = rule.keywords.map((keyword) => ` ${normalise(keyword)} `);
    return (text, normalised) => {
      const padded = ` ${normalised} `;
      const hit = rule.all ? keywords.every((keyword) => padded.includes(keyword)) : keywords.some((keyword) => padded.includes(keyword));
      return hit ? fillTemplate(rule.answer, [text], {}, text) : undefined;
    };
  }
  const questions = rule.faq.map((question) => wordsOf(normalise(question)));
  return (text, _normalised, words) =>
    questions.some((question) => jaccard(question, words) >= rule.min_score) ? fillTemplate(rule.answer, [text], {}, text) : undefined;
}

/** Lower case, punctuation dropped, whitespace collapsed: "What's up?!" and "whats up" are the same question. */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

function wordsOf(normalised: string): ReadonlySet<string> {
  return new Set(normalised === "" ? [] : normalised.split(" "));
}

function jaccard(left: ReadonlySet<string>, right: ReadonlySet<string>): number {
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  for (const word of left) if (right.has(word)) shared++;
  return shared / (left.size + right.size - shared);
}

/** Fills `{{match.N}}`, `{{match.name}}` and `{{message}}`; unknown placeholders become empty. */
function fillTemplate(template: string, groups: readonly (string | undefined)[], named: Record<string, string | undefined>, message: string): string {
  return template.replace(/\{\{\s*(message|match\.(\w+))\s*\}\}/g, (_whole, key: string, group: string | undefined) => {
    if (key === "message") return message;
    if (group === undefined) return "";
    return (/^\d+$/.test(group) ? groups[Number(group)] : named[group]) ?? "";
  });
}
