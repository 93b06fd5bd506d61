import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { textValue, type Scorer, type ScoreInput, type ScorerOutcome } from "./scorer.js";

/** What a custom scorer file exports by default. */
export type CustomScoreFunction = (output: string, context: ScoreInput & { readonly assertion: unknown }) => boolean | number | ScorerOutcome | Promise<boolean | number | ScorerOutcome>;

const loaded = new Map<string, Promise<CustomScoreFunction>>();

async function importModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    // A .ts scorer under plain node: load it through tsx's API (a dev dependency) when it is installed.
    if ((error as { code?: string }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    const tsx = (await import("tsx/esm/api")) as { tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>> };
    return tsx.tsImport(url, import.meta.url);
  }
}

/** Imports a scorer file once (`file://` prefix optional, relative to the suite) and returns its default export. */
export function loadCustomScorer(reference: string, baseDir: string): Promise<CustomScoreFunction> {
  const path = reference.replace(/^file:\/\//, "");
  const absolute = isAbsolute(path) ? path : resolve(baseDir, path);
  let scorer = loaded.get(absolute);
  if (scorer === undefined) {
    scorer = importModule(pathToFileURL(absolute).href).then((module) => {
      const candidate = module["default"];
      if (typeof candidate !== "function") throw new Error(`${absolute} has no default export function`);
      return candidate as CustomScoreFunction;
    });
    loaded.set(absolute, scorer);
  }
  return scorer;
}

/** `javascript`: a JS or TS file's default export scores the answer: a boolean, a number in [0, 1] or {pass, score, reason}. */
export const customScorer: Scorer = async (assertion, input, services) => {
  const score = await loadCustomScorer(textValue(assertion), services.baseDir);
  const result = await score(input.output, { ...input, assertion });
  const threshold = assertion.threshold ?? 0.5;
  if (typeof result === "boolean") return { pass: result, score: result ? 1 : 0 };
  if (typeof result === "number") return { pass: result >= threshold, score: Math.min(1, Math.max(0, result)) };
  return result;
};
