import { spawn, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

/** A throwaway PostgreSQL server on a loopback port, owned by the test that started it. */
export interface PostgresServer {
  readonly url: string;
  stop(): Promise<void>;
}

const bin = "/usr/lib/postgresql/15/bin";
// initdb and postgres refuse to run as root: run them as the postgres user when we are root.
const asPostgres = process.getuid?.() === 0;

function command(program: string, args: string[]): [string, string[]] {
  return asPostgres ? ["runuser", ["-u", "postgres", "--", join(bin, program), ...args]] : [join(bin, program), args];
}


/** Creates a data directory, starts postgres on 127.0.0.1 and a free port, and resolves once it accepts connections. */
export async function startPostgres(): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-pg-"));
  if (asPostgres) chownSync(dir, 101, 104);
  const data = join(dir, "data");
  const [initdb, initArgs] = command("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const init = spawnSync(initdb, initArgs, { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const [postgres, args] = command("postgres", ["-D", data, "-h", "127.0.0.1", "-p", String(port), "-c", `unix_socket_directories=${dir}`, "-c", "fsync=off", "-c", "synchronous_commit=off"]);
  const child = spawn(postgres, args, { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`postgres did not start: ${log}`)), 30_000);
    child.stderr.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited with ${code}: ${log}`));
    });
  });
  child.stderr.resume();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        // Fast shutdown: roll back sessions and stop without waiting for clients. pg_ctl signals postgres itself
        // (runuser, when present, does not pass signals on).
        const [pgCtl, stopArgs] = command("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w"]);
        spawnSync(pgCtl, stopArgs, { stdio: "ignore" });
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
