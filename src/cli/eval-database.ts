import { loadConfigFile } from "../config/load-config.js";
import { openEvalStore } from "../evals/open-eval-store.js";
import type { EvalStore } from "../evals/eval-store.js";

/** The database flags every `gantry eval` subcommand takes. */
export interface DatabaseFlags {
  readonly db?: string | undefined;
  readonly "database-url"?: string | undefined;
  readonly config?: string | undefined;
}

/** Opens the eval store: --database-url, else --db, else the --config file's `database`, else ./.gantry/gantry.db. */
export function openEvalDatabase(flags: DatabaseFlags): Promise<EvalStore> {
  if (flags["database-url"] !== undefined) return openEvalStore({ path: "", url: flags["database-url"] });
  if (flags.db !== undefined) return openEvalStore({ path: flags.db });
  if (flags.config !== undefined) return openEvalStore(loadConfigFile(flags.config).database);
  return openEvalStore({ path: "./.gantry/gantry.db" });
}

/** parseArgs options for the database flags. */
export const databaseOptions = {
  db: { type: "string" },
  "database-url": { type: "string" },
  config: { type: "string" },
} as const;
