import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const gantry = join(root, "src/cli/gantry.ts");
const adminKey = "replica-admin-key-0123456789";
let redis: TestRedis;
let upstream: FakeUpstream;
const replicas: Array<{ child: ChildProcess; url: string }> = [];
const dispatcher = new Agent({ connections: 128 });

function startReplica(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(tsx, [gantry, "serve", "--config", configFile], { env: { ...process.env, GANTRY_ADMIN_KEY: adminKey }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"url":"(http:[^"]+)"/.exec(buffered);
      if (match?.[1] !== undefined) {
        child.stdout?.removeAllListeners("data");
        child.stdout?.resume();
        resolve({ child, url: match[1] });
      }
    });
    child.once("exit", (code) => reject(new Error(`replica exited with ${code}`)));
  });
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(tsx, [gantry, "keys", ...args], { env: { ...process.env, GANTRY_ADMIN_KEY: adminKey }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.resume();
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout })));
}

beforeAll(async () => {
  [redis, upstream] = await Promise.all([startRedis(), startFakeUpstream({ record: false })]);
  const directory = mkdtempSync(join(tmpdir(), "gantry-replicas-"));
  const configFile = join(directory, "gantry.yaml");
  writeFileSync(
    configFile,
    `server: { port: 0, shutdown_grace_ms: 1000 }\nlogging: { level: info, requests: false }\nauth: { mode: keys, admin_key: "\${GANTRY_ADMIN_KEY}", store: redis, redis_url: "${redis.url}" }\nlimits: { backend: redis, redis_url: "${redis.url}" }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`,
  );
  replicas.push(...(await Promise.all([startReplica(configFile), startReplica(configFile), startReplica(configFile)])));
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map(({ child }) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGTERM"))))));
  await dispatcher.close();
  await upstream.close();
  await redis.stop();
});

async function chat(url: string, key: string): Promise<number> {
  const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", dispatcher, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "hi" }], max_tokens: 3 }) });
  await response.arrayBuffer();
  return response.status;
}

describe("three replicas sharing one Redis", () => {
  it("admit exactly 100 of 300 requests on a 100-RPM key, spread across them", async () => {
    const created = await runCli(["create", "--url", replicas[0]?.url ?? "", "--name", "shared", "--rpm", "100"]);
    expect(created.code).toBe(0);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const statuses = await Promise.all(Array.from({ length: 300 }, (_, index) => chat(replicas[index % 3]?.url ?? "", key)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(100);
    expect(statuses.filter((status) => status === 429)).toHaveLength(200);
  });

  it("refuse a key revoked on one replica on the others within a second", async () => {
    const created = await runCli(["create", "--url", replicas[0]?.url ?? "", "--name", "revoke-me"]);
    const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
    expect(await Promise.all(replicas.map(({ url }) => chat(url, key)))).toEqual([200, 200, 200]);
    const revoked = await runCli(["revoke", id, "--url", replicas[0]?.url ?? ""]);
    expect(revoked.code).toBe(0);
    const revokedAt = Date.now();
    const refusedAfter = await Promise.all(
      replicas.slice(1).map(async ({ url }) => {
        for (;;) {
          if ((await chat(url, key)) === 401) return Date.now() - revokedAt;
          if (Date.now() - revokedAt > 5000) return Infinity;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    for (const ms of refusedAfter) expect(ms).toBeLessThan(1000);
    const listed = await runCli(["list", "--url", replicas[2]?.url ?? ""]);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(key);
  });
});
