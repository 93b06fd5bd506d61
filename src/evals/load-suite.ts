import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";
import { stableStringify } from "../cache/canonical-request.js";
import { formatPath } from "../protocol/format-path.js";
import { readDatasetFile, rowToTest } from "./dataset-file.js";
import { renderTemplate } from "./render-template.js";
import type { Assertion, ChatMessage } from "./scorers/scorer.js";
import { lookupScorer } from "./scorers/scorer-registry.js";
import { datasetTestSchema, suiteSchema, type RequestOptions, type SuiteAssertion, type SuitePrompt, type SuiteTest } from "./suite-schema.js";

/** Every problem of a suite at once, each with its path. */
export class SuiteError extends Error {
  constructor(source: string, readonly problems: readonly { path: string; message: string }[]) {
    super(`invalid suite ${source}:\n${problems.map((problem) => `  - ${problem.path}: ${problem.message}`).join("\n")}`);
    this.name = "SuiteError";
  }
}

/** What one item asks the target: a chat conversation or a completion prompt. */
export type ItemRequest = { readonly endpoint: "chat"; readonly messages: readonly ChatMessage[] } | { readonly endpoint: "completions"; readonly prompt: string };

/** One prompt × one test: the unit that is answered (once per repeat) and scored. */
export interface EvalItem {
  /** Stable across runs: the test's `id`, else a hash of the prompt and the vars. */
  readonly key: string;
  readonly description: string | undefined;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly request: ItemRequest;
  readonly assertions: readonly Assertion[];
  readonly threshold: number | undefined;
}

/** A model the suite runs against, with the request parameters it gets. */
export interface SuiteTarget {
  readonly id: string;
  readonly label: string;
  readonly options: RequestOptions;
}

/** A suite read, validated and expanded into items. */
export interface LoadedSuite {
  readonly name: string;
  /** Hash of the prompts, tests and assertions (not the targets, repeats or seed): runs of the same hash pair up. */
  readonly hash: string;
  readonly seed: number;
  readonly repeat: number;
  readonly targets: readonly SuiteTarget[];
  readonly items: readonly EvalItem[];
  /** The suite file's folder: datasets and scorer files resolve against it. */
  readonly baseDir: string;
  readonly defaultProvider: string | undefined;
}

const renderValue = (value: unknown, vars: Readonly<Record<string, unknown>>): unknown =>
  typeof value === "string" ? renderTemplate(value, vars) : Array.isArray(value) ? value.map((entry) => renderValue(entry, vars)) : value;

function renderAssertion(assertion: SuiteAssertion, vars: Readonly<Record<string, unknown>>): Assertion {
  const { value, ...rest } = assertion;
  return value === undefined ? rest : { ...rest, value: renderValue(value, vars) };
}

function promptLabel(prompt: SuitePrompt, index: number): string {
  return typeof prompt === "string" ? `prompt${index}` : (prompt.label ?? `prompt${index}`);
}

function renderRequest(prompt: SuitePrompt, vars: Readonly<Record<string, unknown>>): ItemRequest {
  if (typeof prompt === "string") return { endpoint: "chat", messages: [{ role: "user", content: renderTemplate(prompt, vars) }] };
  if ("completion" in prompt) return { endpoint: "completions", prompt: renderTemplate(prompt.completion, vars) };
  return { endpoint: "chat", messages: prompt.messages.map((message) => ({ role: message.role, content: renderTemplate(message.content, vars) })) };
}

const zodProblems = (issues: readonly { path: readonly PropertyKey[]; message: string; code: string; keys?: readonly string[] }[], prefix: readonly PropertyKey[] = []): { path: string; message: string }[] =>
  issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" && issue.keys !== undefined
      ? issue.keys.map((key) => ({ path: formatPath([...prefix, ...issue.path, key]), message: "unknown key" }))
      : [{ path: formatPath([...prefix, ...issue.path]), message: issue.message }],
  );

/** Reads the tests a `file://` reference names, each row checked; problems name the file and row. */
async function datasetTests(reference: string, baseDir: string, problems: { path: string; message: string }[]): Promise<SuiteTest[]> {
  const path = reference.slice("file://".length);
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  let rows;
  try {
    rows = await readDatasetFile(file);
  } catch (error) {
    problems.push({ path: reference, message: error instanceof Error ? error.message : String(error) });
    return [];
  }
  const tests: SuiteTest[] = [];
  for (const [index, row] of rows.entries()) {
    const parsed = datasetTestSchema.safeParse(rowToTest(row, (type) => lookupScorer(type) !== undefined));
    if (parsed.success) tests.push(parsed.data);
    else problems.push(...zodProblems(parsed.error.issues, [`${basename(file)}#${index + 1}`]));
  }
  return tests;
}

/** Reads a suite file: strict schema, datasets, every test expanded against every prompt. */
export async function loadSuite(file: string): Promise<LoadedSuite> {
  const text = await readFile(file, "utf8");
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) throw new SuiteError(file, document.errors.map((error) => ({ path: "(yaml)", message: error.message.split("\n")[0] ?? error.message })));
  const parsed = suiteSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) throw new SuiteError(file, zodProblems(parsed.error.issues));
  const suite = parsed.data;
  const baseDir = dirname(resolve(file));
  const problems: { path: string; message: string }[] = [];
  const entries = typeof suite.tests === "string" ? [suite.tests] : suite.tests;
  const tests: { test: SuiteTest; path: string }[] = [];
  for (const [index, entry] of entries.entries()) {
    if (typeof entry !== "string") tests.push({ test: entry, path: `tests[${index}]` });
    else for (const [row, test] of (await datasetTests(entry, baseDir, problems)).entries()) tests.push({ test, path: `${entry}#${row + 1}` });
  }
  const items: EvalItem[] = [];
  const seen = new Map<string, number>();
  for (const [promptIndex, prompt] of suite.prompts.entries()) {
    for (const { test, path } of tests) {
      const vars = { ...suite.defaultTest.vars, ...test.vars };
      try {
        const request = renderRequest(prompt, vars);
        const assertions = [...suite.defaultTest.assert, ...test.assert].map((assertion) => renderAssertion(assertion, vars));
        const base = test.id ?? createHash("sha256").update(stableStringify({ prompt: promptLabel(prompt, promptIndex), vars })).digest("hex").slice(0, 16);
        const key = suite.prompts.length > 1 && test.id !== undefined ? `${promptLabel(prompt, promptIndex)}:${base}` : base;
        // Identical rows stay distinct items, numbered in order, so a dataset's duplicates are all answered.
        const count = (seen.get(key) ?? 0) + 1;
        seen.set(key, count);
        items.push({ key: count === 1 ? key : `${key}#${count}`, description: test.description, vars, request, assertions, threshold: test.threshold ?? suite.defaultTest.threshold });
      } catch (error) {
        problems.push({ path: `${path} (${promptLabel(prompt, promptIndex)})`, message: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  if (problems.length > 0) throw new SuiteError(file, problems);
  const targets = suite.providers.map((provider): SuiteTarget => (typeof provider === "string" ? { id: provider, label: provider, options: {} } : { id: provider.id, label: provider.label ?? provider.id, options: provider.config }));
  const hash = createHash("sha256")
    .update(stableStringify(items.map((item) => ({ key: item.key, request: item.request, assertions: item.assertions, threshold: item.threshold ?? null }))))
    .digest("hex")
    .slice(0, 16);
  return { name: suite.description ?? basename(file).replace(/\.ya?ml$/i, ""), hash, seed: suite.seed, repeat: suite.repeat, targets, items, baseDir, defaultProvider: suite.defaultTest.options.provider };
}
