import { parseArgs } from "node:util";
import { ConfigError, loadConfigFile } from "../config/load-config.js";
import { latestSchemaVersion } from "../store/migrations.js";
import { openStore } from "../store/open-store.js";

const usage = "usage: gantry migrate [--config FILE]   (or GANTRY_CONFIG=FILE): bring the configured database's schema up to date, then exit";

/**
 * `gantry migrate`: opens the configured database, applies pending migrations under the migration lock, and exits.
 * Run as a Kubernetes Job (or Helm/Argo pre-upgrade hook) before a rollout, so new pods never wait on a migration.
 */
export async function migrateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const file = values.config ?? process.env["GANTRY_CONFIG"];
  if (file === undefined || file === "") {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  let database;
  try {
    database = loadConfigFile(file).database;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const store = await openStore(database);
  await store.close();
  process.stdout.write(`${JSON.stringify({ database: database.url === undefined ? database.path : "postgres", schema_version: latestSchemaVersion })}\n`);
  return 0;
}
