#!/usr/bin/env node
import { serve } from "./serve.js";

const commands: Record<string, (argv: string[]) => Promise<number>> = { serve };

const help = `gantry: an OpenAI-compatible gateway and model server for LLM applications

commands:
  serve --config FILE [--host H] [--port N]   run the gateway
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
