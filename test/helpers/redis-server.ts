import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";

/** A real redis-server on a free loopback port, without persistence. */
export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would: clients see their connections reset. */
  kill(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing is answered, as with a hung Redis. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
  /** Starts the server again on the same port after `kill` or `stop` (empty unless `persist`), and waits until it answers PING. */
  restart(): Promise<void>;
  /** The running server's last 4,000 characters of output (startup, persistence), for a failing test to print. */
  output(): string;
}

const redisBinary = process.env["REDIS_SERVER"] ?? "/usr/bin/redis-server";

/**
 * Starts `redis-server` on a free 127.0.0.1 port and waits until it answers PING. Without persistence
 * (`--save "" --appendonly no`), unless `persist`: then every write goes to an append-only file in a temporary
 * directory, so a killed server restarts with its data, as a production Redis would. Fsynced once a second (Redis's
 * default): a killed process loses nothing it wrote, the kernel holds it, and an fsync per write made a busy disk's
 * latency part of every command the tests time.
 */
export async function startRedis(options: { persist?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const storage = options.persist === true ? ["--dir", mkdtempSync(join(tmpdir(), "gantry-redis-")), "--appendonly", "yes", "--appendfsync", "everysec"] : ["--appendonly", "no"];
  let server = await launch(port, url, storage);
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
    await server.exited;
  };
  return {
    url,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    pause: () => void server.child.kill("SIGSTOP"),
    resume: () => void server.child.kill("SIGCONT"),
    restart: async () => {
      await end("SIGTERM");
      server = await launch(port, url, storage);
    },
    output: () => server.output(),
  };
}

async function launch(port: number, url: string, storage: readonly string[]): Promise<{ child: ChildProcess; exited: Promise<void>; output: () => string }> {
  const child = spawn(redisBinary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...storage, "--protected-mode", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${output}`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === "PONG") {
        client.disconnect();
        return { child, exited, output: () => output };
      }
    } catch {
      client.disconnect();
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not answer on ${url}: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
