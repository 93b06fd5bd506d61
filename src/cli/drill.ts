import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { DrillScenarioError, parseDrillScenario } from "../drills/drill-scenario.js";
import { formatDrillReport } from "../drills/drill-report.js";
import { createFaultAdminClient } from "../drills/fault-admin-client.js";
import { faultSpecSchema } from "../drills/fault-spec.js";
import { formatPath } from "../protocol/format-path.js";
import { runDrill } from "../drills/run-drill.js";

const usage = `usage: gantry drill inject --deployment ID|--model NAME --kind KIND --duration S [fault options]
       gantry drill inject --kind redis_down --duration S
       gantry drill list
       gantry drill clear ID|--all
       gantry drill run SCENARIO.yaml [--json]
kinds and options: latency --latency-ms N [--jitter-ms N] · error [--status 503] [--rate 0..1] [--retry-after S]
                   · hang · reset [--after-chunks N] · down · redis_down          (duration at most 600 s)
common: --url URL (default http://127.0.0.1:4000)  admin key from --admin-key or GANTRY_ADMIN_KEY;
        run: synthetic traffic uses --api-key or GANTRY_API_KEY when the gateway has auth on
exit code: run gives 0 when every step held its SLOs, 1 otherwise; 2 for usage errors`;

/** `gantry drill`: injects, lists and clears faults in a running gateway, and plays drill scenarios against it. */
export async function drill(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: "string", default: "http://127.0.0.1:4000" },
      "admin-key": { type: "string" },
      "api-key": { type: "string" },
      json: { type: "boolean", default: false },
      all: { type: "boolean", default: false },
      deployment: { type: "string" },
      model: { type: "string" },
      kind: { type: "string" },
      duration: { type: "string" },
      "latency-ms": { type: "string" },
      "jitter-ms": { type: "string" },
      status: { type: "string" },
      rate: { type: "string" },
      "retry-after": { type: "string" },
      "after-chunks": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [action, argument] = positionals;
  if (values.help === true || action === undefined) {
    process.stdout.write(`${usage}\n`);
    return values.help === true ? 0 : 2;
  }
  const url = values.url.replace(/\/+$/, "");
  const admin = createFaultAdminClient(url, values["admin-key"] ?? process.env["GANTRY_ADMIN_KEY"]);
  const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  switch (action) {
    case "inject": {
      const number = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
      const candidate = Object.fromEntries(
        Object.entries({
          kind: values.kind,
          deployment: values.deployment,
          model: values.model,
          duration_s: number(values.duration),
          latency_ms: number(values["latency-ms"]),
          jitter_ms: number(values["jitter-ms"]),
          status: number(values.status),
          rate: number(values.rate),
          retry_after_s: number(values["retry-after"]),
          after_chunks: number(values["after-chunks"]),
        }).filter(([, value]) => value !== undefined),
      );
      const parsed = faultSpecSchema.safeParse(candidate);
      if (!parsed.success) {
        process.stderr.write(`gantry drill inject: ${parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join("; ")}\n${usage}\n`);
        return 2;
      }
      print(await admin.inject(parsed.data));
      return 0;
    }
    case "list":
      print(await admin.list());
      return 0;
    case "clear": {
      const ids = values.all ? (await admin.list()).map((fault) => fault.id) : argument === undefined ? [] : [argument];
      if (ids.length === 0 && !values.all) {
        process.stderr.write(`gantry drill clear: give the fault id or --all\n`);
        return 2;
      }
      const cleared = await Promise.all(ids.map((id) => admin.clear(id)));
      process.stdout.write(`cleared ${cleared.filter(Boolean).length} fault(s)\n`);
      return cleared.every(Boolean) ? 0 : 1;
    }
    case "run": {
      if (argument === undefined) {
        process.stderr.write(`gantry drill run: give the scenario file\n${usage}\n`);
        return 2;
      }
      let scenario;
      try {
        scenario = parseDrillScenario(await readFile(argument, "utf8"), argument);
      } catch (error) {
        if (!(error instanceof DrillScenarioError)) throw error;
        process.stderr.write(`gantry drill run: ${error.message}\n`);
        return 2;
      }
      const report = await runDrill(scenario, {
        url,
        admin,
        apiKey: values["api-key"] ?? process.env["GANTRY_API_KEY"],
        ...(values.json ? {} : { onStep: (step) => process.stderr.write(`step "${step.name}": ${step.pass ? "pass" : "FAIL"}\n`) }),
      });
      if (values.json) print(report);
      else process.stdout.write(`${formatDrillReport(report)}\n`);
      return report.pass ? 0 : 1;
    }
    default:
      process.stderr.write(`gantry drill: unknown action "${action}"\n${usage}\n`);
      return 2;
  }
}
