// The fault matrix of test/integration/routing-fault-matrix.test.ts as a script: two deployments (one faulty) behind a
// gateway with default settings, each fault 40 requests one by one and 50 at once; prints the table, saves JSON.
// Usage: npx tsx bench/fault-matrix/run.ts [--out bench/fault-matrix/results.json]
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { faultScenarios, faultTable, runFaultScenario, type FaultResult } from "../../test/helpers/fault-matrix.js";

const { values } = parseArgs({ options: { out: { type: "string", default: "bench/fault-matrix/results.json" } } });
const results: FaultResult[] = [];
for (const scenario of faultScenarios) {
  for (const mode of ["sequential", "concurrent"] as const) results.push(await runFaultScenario(scenario, mode));
}
console.log(faultTable(results));
writeFileSync(values.out, `${JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), results }, null, 2)}\n`);
console.log(`saved ${values.out}`);
