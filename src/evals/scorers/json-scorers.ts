import { Ajv, type ValidateFunction } from "ajv";
import { JSONPath } from "jsonpath-plus";
import { isDeepStrictEqual } from "node:util";
import { binary, type Scorer } from "./scorer.js";

const ajv = new Ajv({ allErrors: true, strict: false });
// One compiled validator per schema object: a suite's schema is compiled once, not once per answer.
const validators = new WeakMap<object, ValidateFunction>();

/** The answer parsed as JSON, allowing one surrounding markdown code fence; undefined when it is not JSON. */
export function parseJsonAnswer(output: string): { value: unknown } | undefined {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(output);
  try {
    return { value: JSON.parse(fenced?.[1] ?? output) as unknown };
  } catch {
    return undefined;
  }
}

/** The answer is JSON; with a value, it must also satisfy that JSON Schema (Ajv, draft-07 and 2019 keywords). */
export const isJsonScorer: Scorer = (assertion, { output }) => {
  const parsed = parseJsonAnswer(output);
  if (parsed === undefined) return binary(false, "not JSON");
  const schema = assertion.value;
  if (schema === undefined) return binary(true);
  if (typeof schema !== "object" || schema === null) throw new Error("is-json value must be a JSON Schema object");
  let validate = validators.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  const valid = validate(parsed.value);
  return binary(valid, valid ? undefined : ajv.errorsText(validate.errors));
};

/** The answer is JSON and the first match of `path` (JSONPath, jsonpath-plus) deep-equals `value`. */
export const jsonPathScorer: Scorer = (assertion, { output }) => {
  if (assertion.path === undefined) throw new Error("json-path needs a path");
  const parsed = parseJsonAnswer(output);
  if (parsed === undefined) return binary(false, "not JSON");
  const matches = JSONPath({ path: assertion.path, json: parsed.value as object, wrap: true }) as unknown[];
  if (matches.length === 0) return binary(false, `nothing at ${assertion.path}`);
  const pass = isDeepStrictEqual(matches[0], assertion.value);
  return binary(pass, pass ? undefined : `${assertion.path} is ${JSON.stringify(matches[0])}`);
};
