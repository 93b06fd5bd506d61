import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { configSchema, type GatewayConfig } from "./schema.js";
import { formatPath } from "../protocol/format-path.js";
import { interpolateEnv, type ConfigProblem } from "./interpolate-env.js";

/** Every problem of a config at once, so a user fixes them in one pass. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: readonly ConfigProblem[]) {
    super(`invalid config ${source}:\n${problems.map((problem) => `  - ${problem.path}: ${problem.message}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parses, interpolates and validates config text; the result is deeply frozen. */
export function parseConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  source = "(inline)",
): GatewayConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => ({ path: "(yaml)", message: error.message.split("\n")[0] ?? error.message }));
    const hint = unquotedReferenceHint(text, document.errors);
    throw new ConfigError(source, hint === undefined ? problems : [hint, ...problems]);
  }
  return validateConfig(document.toJS() ?? {}, env, source);
}

/** Interpolates and validates a config object (from YAML, or from a command's flags); the result is deeply frozen. */
export function validateConfig(raw: unknown, env: Readonly<Record<string, string | undefined>> = process.env, source = "(inline)"): GatewayConfig {
  const problems: ConfigProblem[] = [];
  const interpolated = interpolateEnv(raw, env, problems);
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problems.push({ path: formatPath([...issue.path, key]), message: "unknown key" });
      } else {
        problems.push({ path: formatPath(issue.path), message: issue.message });
      }
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  return deepFreeze(result.data);
}

/** Reads and parses a config file. */
export function loadConfigFile(file: string, env: Readonly<Record<string, string | undefined>> = process.env): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, [{ path: "(file)", message: error instanceof Error ? error.message : String(error) }]);
  }
  return parseConfig(text, env, file);
}

/**
 * `${VAR}` inside a flow map or sequence (`{ admin_key: ${KEY} }`) is YAML syntax, not text: the `{` opens a
 * mapping. The parser's own errors do not say so, so a line with an unquoted reference gets this hint first.
 */
function unquotedReferenceHint(text: string, errors: readonly { linePos?: readonly [{ line: number; col: number }, ...unknown[]] }[]): ConfigProblem | undefined {
  const lines = text.split("\n");
  for (const error of errors) {
    const lineNumber = error.linePos?.[0].line;
    const line = lineNumber === undefined ? undefined : lines[lineNumber - 1];
    const reference = line === undefined ? null : /(?<!["'])\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}/.exec(line);
    if (reference !== null && /[{[]/.test(line ?? "")) {
      return {
        path: `(yaml) line ${lineNumber ?? "?"}`,
        message: `${reference[0]} inside { } or [ ] must be quoted: write "${reference[0]}" (or use block style, one key per line)`,
      };
    }
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
