import { spawn } from "node:child_process";
import { join } from "node:path";

/** A body-sender process, built and warmed, waiting for `run`. */
export interface BodySender {
  /** Starts sending; resolves with the sender's JSON report once it is done. */
  run(): Promise<unknown>;
}

/** Starts `body-sender-main.ts` in a process of its own (arguments as its --flags) and resolves once it is ready. */
export function startBodySender(root: string, args: Record<string, string | number>): Promise<BodySender> {
  const flags = Object.entries(args).flatMap(([name, value]) => [`--${name}`, String(value)]);
  const child = spawn("node", ["--import", "tsx", join(root, "bench/lib/body-sender-main.ts"), ...flags], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  const lines: ((line: string) => void)[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    let newline = output.indexOf("\n");
    while (newline >= 0) {
      const line = output.slice(0, newline);
      output = output.slice(newline + 1);
      lines.shift()?.(line);
      newline = output.indexOf("\n");
    }
  });
  const nextLine = (): Promise<string> =>
    new Promise((resolve, reject) => {
      lines.push(resolve);
      child.once("exit", (code) => reject(new Error(`body sender exited with ${code}`)));
    });
  return nextLine().then(() => ({
    run: async () => {
      const report = nextLine();
      child.kill("SIGUSR2");
      return JSON.parse(await report) as unknown;
    },
  }));
}
