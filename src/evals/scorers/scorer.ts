/** One assertion of a test, as the suite states it (string values already rendered with the test's vars). */
export interface Assertion {
  readonly type: string;
  readonly value?: unknown;
  /** Share of the item's weighted score; 0 makes the assertion informational. */
  readonly weight: number;
  /** Graded scorers pass at a score ≥ threshold; `latency` and `cost` read it as their limit (ms, USD). */
  readonly threshold?: number | undefined;
  /** The model that judges (`llm-rubric`) or embeds (`similar`). */
  readonly provider?: string | undefined;
  /** `json-path`: the JSONPath whose first match must equal `value`. */
  readonly path?: string | undefined;
  /** `multiple-choice`: the letters offered (default ABCD). */
  readonly choices?: string | undefined;
  /** `numeric`: the absolute difference allowed. */
  readonly tolerance?: number | undefined;
}

/** What a scorer sees of one answer. */
export interface ScoreInput {
  readonly output: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly latencyMs: number;
  readonly costUsd: number;
  /** 0-based repeat: judge calls of different repeats are separate samples. */
  readonly repeat: number;
}

/** A scorer's verdict on one assertion. */
export interface ScorerOutcome {
  readonly pass: boolean;
  /** In [0, 1]. */
  readonly score: number;
  readonly reason?: string;
  /** Spent scoring (a judge or embedding call), added to the item's cost. */
  readonly costUsd?: number;
}

/** A chat message sent to a judge. */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/** Model calls that scorers may make, through the same gateway as the target. */
export interface ScorerServices {
  /** Asks `model` and returns its text and cost; `repeat` makes each repeat's judgement its own sample. */
  judge(model: string, messages: readonly ChatMessage[], repeat: number): Promise<{ text: string; costUsd: number }>;
  embed(model: string, texts: readonly string[]): Promise<{ vectors: number[][]; costUsd: number }>;
  /** Relative file paths (custom scorers) resolve against this folder: the suite's own. */
  readonly baseDir: string;
  /** The judge or embedding model when an assertion names none (the suite's `defaultTest.options.provider`). */
  readonly defaultProvider: string | undefined;
}

/** Scores one assertion against one answer. */
export type Scorer = (assertion: Assertion, input: ScoreInput, services: ScorerServices) => ScorerOutcome | Promise<ScorerOutcome>;

/** A pass/fail outcome with score 1 or 0. */
export function binary(pass: boolean, reason?: string): ScorerOutcome {
  return reason === undefined ? { pass, score: pass ? 1 : 0 } : { pass, score: pass ? 1 : 0, reason };
}

/** The assertion's value as text (numbers and booleans stringified); throws when it is something else. */
export function textValue(assertion: Assertion): string {
  const { value } = assertion;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  throw new Error(`${assertion.type} needs a text value`);
}

/** The assertion's value as a list of texts (a single text counts as a list of one). */
export function textValues(assertion: Assertion): string[] {
  const { value } = assertion;
  if (Array.isArray(value)) return value.map((entry) => String(entry));
  return [textValue(assertion)];
}
