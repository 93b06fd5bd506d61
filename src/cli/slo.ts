import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, loadConfigFile } from "../config/load-config.js";
import { defaultBurnRatePolicies, windowMs, type BurnRatePolicy } from "../slo/burn-rate-policy.js";
import { prometheusRules } from "../slo/prometheus-rules.js";
import { createRollupSliSource, sloDefinitions } from "../slo/sli-source.js";
import { computeSloStatus, type SloStatus } from "../slo/slo-status.js";
import { sloStatusTable } from "../slo/slo-status-table.js";
import { openStore } from "../store/open-store.js";

const usage = `usage: gantry slo status --config FILE            SLI, error budget and burn rates from the config's database
       gantry slo status --base-url URL [--admin-key KEY]   the same from a running gateway's /admin/slo
       gantry slo rules --config FILE [--out FILE] [--policies page:14.4:1h:5m,page:6:6h:30m,ticket:3:1d:2h,ticket:1:3d:6h]
                                                    Prometheus recording and multi-window burn-rate alerting rules
common: --json (status as JSON)   --admin-key KEY (or GANTRY_ADMIN_KEY)`;

/** `gantry slo`: SLO status (from the database or a gateway) and Prometheus rules from the same definitions. */
export async function slo(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string" },
      "base-url": { type: "string" },
      "admin-key": { type: "string" },
      out: { type: "string" },
      policies: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  const [action] = positionals;
  if (values.help === true || (action !== "status" && action !== "rules")) {
    process.stdout.write(`${usage}\n`);
    return values.help === true ? 0 : 2;
  }
  try {
    if (action === "rules") {
      if (values.config === undefined) return fail("slo rules: --config is required");
      const config = loadConfigFile(values.config);
      const rules = prometheusRules(sloDefinitions(config.slos), values.policies === undefined ? defaultBurnRatePolicies : parsePolicies(values.policies));
      for (const skipped of rules.skipped) process.stderr.write(`gantry slo rules: skipped ${skipped.slo}: ${skipped.reason}\n`);
      if (values.out === undefined) process.stdout.write(rules.yaml);
      else writeFileSync(values.out, rules.yaml);
      return 0;
    }
    const statuses = values["base-url"] !== undefined ? await fromGateway(values["base-url"], values["admin-key"] ?? process.env["GANTRY_ADMIN_KEY"]) : values.config !== undefined ? await fromDatabase(values.config) : undefined;
    if (statuses === undefined) return fail("slo status: give --config FILE or --base-url URL");
    process.stdout.write(values.json ? `${JSON.stringify(statuses, null, 2)}\n` : `${sloStatusTable(statuses)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) return fail(error.message);
    throw error;
  }
}

class UsageError extends Error {}

function fail(message: string): number {
  process.stderr.write(`gantry ${message}\n${usage}\n`);
  return 1;
}

async function fromDatabase(file: string): Promise<SloStatus[]> {
  const config = loadConfigFile(file);
  const store = await openStore(config.database);
  try {
    const definitions = sloDefinitions(config.slos);
    const source = createRollupSliSource(store, definitions);
    const now = Date.now();
    return await Promise.all(definitions.map((definition) => computeSloStatus(source, definition, now)));
  } finally {
    await store.close();
  }
}

async function fromGateway(baseUrl: string, adminKey: string | undefined): Promise<SloStatus[]> {
  const response = await fetch(`${baseUrl.replace(/\/+$/, "")}/admin/slo`, { headers: adminKey === undefined ? {} : { authorization: `Bearer ${adminKey}` } });
  const text = await response.text();
  if (!response.ok) throw new UsageError(`slo status: ${response.status} ${text}`);
  return (JSON.parse(text) as { data: SloStatus[] }).data;
}

/** `severity:factor:long:short` items, comma-separated. */
function parsePolicies(text: string): BurnRatePolicy[] {
  return text.split(",").map((item) => {
    const [severity, factor, longWindow, shortWindow] = item.trim().split(":");
    if ((severity !== "page" && severity !== "ticket") || !(Number(factor) > 0) || longWindow === undefined || shortWindow === undefined) {
      throw new UsageError(`slo rules: --policies item "${item}" is not severity:factor:long:short (e.g. page:14.4:1h:5m)`);
    }
    try {
      windowMs(longWindow);
      windowMs(shortWindow);
    } catch (error) {
      throw new UsageError(`slo rules: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { severity, factor: Number(factor), longWindow, shortWindow };
  });
}
