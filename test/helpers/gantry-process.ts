import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("../..", import.meta.url).pathname;
// tsx as a loader in one node process, not the tsx CLI: the CLI relays signals to a second process and SIGKILLs it
// when that one does not confirm within 30 ms, which a busy machine misses.
const nodeArgs = ["--import", pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href, join(root, "src/cli/gantry.ts")];

/** Runs the `gantry` CLI as a child process (TypeScript through tsx), with stdout and stderr piped. */
export function runGantry(args: string[], env: Record<string, string> = {}, cwd?: string): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], ...(cwd === undefined ? {} : { cwd }) });
}

/** Resolves with the exit code and everything the child wrote; call before the child can exit. */
export function exited(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects if it exits first. */
export function stdoutMatch(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = pattern.exec(buffered);
      if (match !== null) resolve(match);
    });
    child.on("exit", (code) => reject(new Error(`gantry exited with ${code}`)));
  });
}

/** Waits for the "gantry listening" log line and returns its URL. */
export async function listening(child: ChildProcess): Promise<string> {
  const match = await stdoutMatch(child, /"url":"(http:[^"]+)"/);
  return match[1] ?? "";
}
