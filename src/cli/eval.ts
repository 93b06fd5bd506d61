import { evalBaseline, evalBaselineUsage } from "./eval-baseline.js";
import { evalCompare, evalCompareUsage } from "./eval-compare.js";
import { evalGate, evalGateUsage } from "./eval-gate.js";
import { evalRun, evalRunUsage } from "./eval-run.js";

/** The `gantry eval` subcommands, one file each. */
const subcommands: Record<string, (argv: string[]) => Promise<number>> = { run: evalRun, baseline: evalBaseline, gate: (argv) => evalGate(argv), compare: (argv) => evalCompare(argv) };

const usage = `gantry eval: evaluation suites, stored runs and baselines (docs/evals.md)

${evalRunUsage}

${evalBaselineUsage}

${evalGateUsage}

${evalCompareUsage}`;

/** `gantry eval SUBCOMMAND …`. */
export async function evalCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const subcommand = name === undefined ? undefined : subcommands[name];
  if (subcommand === undefined) {
    const help = name === "help" || name === "--help" || name === "-h";
    (help ? process.stdout : process.stderr).write(`${usage}\n`);
    return help ? 0 : 2;
  }
  return subcommand(rest);
}
