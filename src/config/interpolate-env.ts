import { formatPath } from "../protocol/format-path.js";

/** A problem found in the config, with the path of the value that has it. */
export interface ConfigProblem {
  path: string;
  message: string;
}

const reference = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed YAML tree; `$$` is a literal `$`.
 * Done on the parsed tree, not the text, so a secret with YAML syntax in it cannot change the structure.
 */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  path: readonly (string | number)[] = [],
): unknown {
  if (typeof value === "string") {
    return value.replace(reference, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === "$$") return "$";
      const found = env[name ?? ""];
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      problems.push({ path: formatPath(path), message: `environment variable ${name ?? ""} is not set` });
      return "";
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnv(item, env, problems, [...path, index]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolateEnv(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}
