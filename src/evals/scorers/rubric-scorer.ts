import { textValue, type ChatMessage, type Scorer, type ScorerOutcome } from "./scorer.js";

const judgeInstructions =
  'You grade an answer against a rubric. Reply with only one JSON object: {"reason": "<one sentence>", "score": <number from 0 to 1>, "pass": <true or false>}.';

/** The judge's messages for one answer. */
export function rubricMessages(rubric: string, output: string): ChatMessage[] {
  return [
    { role: "system", content: judgeInstructions },
    { role: "user", content: `<rubric>\n${rubric}\n</rubric>\n<answer>\n${output}\n</answer>` },
  ];
}

/** The first balanced {...} in a text (strings and escapes respected), or undefined. */
function firstObject(text: string): string | undefined {
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    let depth = 0;
    let inString = false;
    for (let index = start; index < text.length; index++) {
      const char = text[index];
      if (inString) {
        if (char === "\\") index++;
        else if (char === '"') inString = false;
      } else if (char === '"') inString = true;
      else if (char === "{") depth++;
      else if (char === "}" && --depth === 0) {
        const candidate = text.slice(start, index + 1);
        try {
          JSON.parse(candidate);
          return candidate;
        } catch {
          break;
        }
      }
    }
  }
  return undefined;
}

const truthy = (value: unknown): boolean | undefined =>
  typeof value === "boolean" ? value : typeof value === "string" && /^(true|false|yes|no|pass|fail)$/i.test(value.trim()) ? /^(true|yes|pass)$/i.test(value.trim()) : undefined;

/**
 * Reads a judge's verdict robustly: prose or code fences around the JSON, `score` as a string or a percentage,
 * `pass` as "yes"/"no"; a missing score follows pass, a missing pass follows the threshold. Undefined when the
 * text holds no usable verdict.
 */
export function parseVerdict(text: string, threshold: number): ScorerOutcome | undefined {
  const json = firstObject(text);
  if (json === undefined) return undefined;
  const verdict = JSON.parse(json) as Record<string, unknown>;
  const rawScore = typeof verdict["score"] === "string" ? Number.parseFloat(verdict["score"]) : verdict["score"];
  let score = typeof rawScore === "number" && Number.isFinite(rawScore) ? rawScore : undefined;
  if (score !== undefined && score > 1 && score <= 100) score /= 100;
  const pass = truthy(verdict["pass"]);
  if (score === undefined && pass === undefined) return undefined;
  const finalScore = Math.min(1, Math.max(0, score ?? (pass === true ? 1 : 0)));
  const reason = typeof verdict["reason"] === "string" ? verdict["reason"] : "";
  return { pass: (pass ?? true) && finalScore >= threshold, score: finalScore, reason };
}

/**
 * `llm-rubric`: a judge model (the assertion's `provider`, else the suite's default) grades the answer against the
 * rubric in `value`. It passes when the judge says pass and the score reaches the threshold (default 0.5). The
 * judge call's cost is added to the item's cost.
 */
export const rubricScorer: Scorer = async (assertion, { output, repeat }, services) => {
  const model = assertion.provider ?? services.defaultProvider;
  if (model === undefined) throw new Error("llm-rubric needs a provider: the judge model");
  const threshold = assertion.threshold ?? 0.5;
  const { text, costUsd } = await services.judge(model, rubricMessages(textValue(assertion), output), repeat);
  const verdict = parseVerdict(text, threshold);
  if (verdict === undefined) return { pass: false, score: 0, reason: `the judge gave no {score, pass, reason}: ${text.slice(0, 200)}`, costUsd };
  return { ...verdict, costUsd };
};
