import { fileURLToPath } from "node:url";

/**
 * The package's built dashboard: `dist/web`, whether this module runs compiled (dist/src/compose) or from source
 * through tsx (src/compose).
 */
export function defaultUiDir(): string {
  const compiled = import.meta.url.includes("/dist/src/");
  return fileURLToPath(new URL(compiled ? "../../web/" : "../../dist/web/", import.meta.url));
}
