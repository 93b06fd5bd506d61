import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";

/** A child process and what its readiness line said. */
export interface Started {
  child: ChildProcess;
  match: string;
}

/**
 * Spawns a process and resolves with the first capture of `pattern` in its stdout.
 * Stdout and stderr are copied to `logFile` when given (e.g. the gateway's JSON logs), else discarded.
 */
export function startProcess(command: string, args: string[], pattern: RegExp, options: { env?: Record<string, string>; logFile?: string } = {}): Promise<Started> {
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  if (options.logFile !== undefined) {
    const log = createWriteStream(options.logFile, { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stderr?.resume();
  }
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const match = pattern.exec(buffered);
      if (match?.[1] === undefined) return;
      child.stdout?.off("data", onData);
      if (options.logFile === undefined) child.stdout?.resume();
      resolve({ child, match: match[1] });
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${command} ${args.join(" ")} exited with ${code}`)));
  });
}

/** Sends SIGTERM and waits for the exit. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/**
 * The node arguments that run `gantry`: the compiled build as `npm start` runs it (`dist`, after `npm run build`), or
 * the TypeScript source through tsx (`source`).
 */
export function gantryEntry(kind: string, root: string): string[] {
  return kind === "source" ? ["--import", "tsx", join(root, "src/cli/gantry.ts")] : [join(root, "dist/src/cli/gantry.js")];
}

/** A process's user + system CPU time so far, in ms (from /proc, Linux; clock ticks are 10 ms). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
