#!/usr/bin/env node
import { bench } from "./bench.js";
import { data } from "./data.js";
import { drill } from "./drill.js";
import { drift } from "./drift.js";
import { engine } from "./engine.js";
import { evalCommand } from "./eval.js";
import { keys } from "./keys.js";
import { models } from "./models.js";
import { plan } from "./plan.js";
import { serve } from "./serve.js";
import { slo } from "./slo.js";

const commands: Record<string, (argv: string[]) => Promise<number>> = { serve, plan, bench, engine, keys, models, drill, data, eval: evalCommand, slo, drift };

const help = `gantry: an OpenAI-compatible gateway and model server for LLM applications

commands:
  serve --config FILE [--host H] [--port N]   run the gateway
  engine --model M [--port N] [--parallel P]   serve one GGUF model: OpenAI API, /health, /metrics (engine --help)
  bench --base-url URL [--request-rate R] ...  load-test an OpenAI-compatible server: TTFT, TPOT, goodput (bench --help)
  keys create|list|get|revoke --url URL       manage virtual API keys through the admin API (keys --help)
  models list|versions|create-version|alias|promote|rollback|split|history --url URL
                                              the model registry: versions, aliases, canaries (models --help)
  drill inject|list|clear|run --url URL       fault drills: inject faults into live traffic, play a scenario (drill --help)
  data clean IN.jsonl --out DIR               fine-tuning data: normalise, dedup (exact + MinHash), scrub PII, split (data --help)
  eval run|baseline|gate|compare ...           evaluation suites, baselines, the regression gate (eval --help)
  slo status|rules --config FILE              SLO status (or --base-url URL), Prometheus SLO rules (slo --help)
  drift report --url URL [--plot F]           drift of each model version against its reference window (drift --help)
  plan MODEL [--gpu ID] [--context N] ...      GPU memory, fit and cost of serving a model (plan --help)
`;

/** The `gantry` entry point: dispatches to one command per file. */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(help);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`gantry: unknown command "${name}"\n${help}`);
    return 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gantry: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
