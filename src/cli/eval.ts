import { evalBaseline, evalBaselineUsage } from "./eval-baseline.js";
import { evalCompare, evalCompareUsage } from "./eval-compare.js";
import { evalGate, evalGateUsage } from "./eval-gate.js";
import { evalRun, evalRunUsage } from "./eval-run.js";

/** The `gantry eval` subcommands, one file each, with the usage printed for a bad command line. */
const subcommands: Record<string, { readonly run: (argv: string[]) => Promise<number>; readonly usage: string }> = {
  run: { run: evalRun, usage: evalRunUsage },
  baseline: { run: evalBaseline, usage: evalBaselineUsage },
  gate: { run: (argv) => evalGate(argv), usage: evalGateUsage },
  compare: { run: (argv) => evalCompare(argv), usage: evalCompareUsage },
};

const usage = `gantry eval: evaluation suites, stored runs and baselines (docs/evals.md)

${evalRunUsage}

${evalBaselineUsage}

${evalGateUsage}

${evalCompareUsage}`;

/** `gantry eval SUBCOMMAND …`; an unknown or malformed flag is a usage error (exit 2), as in the other commands. */
export async function evalCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const subcommand = name === undefined ? undefined : subcommands[name];
  if (subcommand === undefined) {
    const help = name === "help" || name === "--help" || name === "-h";
    (help ? process.stdout : process.stderr).write(`${usage}\n`);
    return help ? 0 : 2;
  }
  try {
    return await subcommand.run(rest);
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    process.stderr.write(`gantry eval ${name ?? ""}: ${error.message}\n${subcommand.usage}\n`);
    return 2;
  }
}

/** node:util parseArgs rejects unknown flags, missing values and stray positionals with ERR_PARSE_ARGS_* TypeErrors. */
function isParseArgsError(error: unknown): error is TypeError {
  return error instanceof TypeError && "code" in error && typeof error.code === "string" && error.code.startsWith("ERR_PARSE_ARGS");
}
