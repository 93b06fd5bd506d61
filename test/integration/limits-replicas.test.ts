import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startClockedGateway } from "../helpers/gateway.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const gantry = join(root, "src/cli/gantry.ts");
const adminKey = "replica-admin-key-0123456789";
let redis: TestRedis;
let upstream: FakeUpstream;
const replicas: Array<{ child: ChildProcess; url: string }> = [];
/** Every replica process started, ready or not: a start that times out must not leave processes behind. */
const spawned: ChildProcess[] = [];
const dispatcher = new Agent({ connections: 128 });

function startReplica(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(tsx, [gantry, "serve", "--config", configFile], { env: { ...process.env, GANTRY_ADMIN_KEY: adminKey }, stdio: ["ignore", "pipe", "inherit"] });
  spawned.push(child);
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
    `server: { port: 0, shutdown_grace_ms: 1000, warm_up_requests: 0 }\nlogging: { level: info, requests: false }\nauth: { mode: keys, admin_key: "\${GANTRY_ADMIN_KEY}", store: redis, redis_url: "${redis.url}" }\nlimits: { backend: redis, redis_url: "${redis.url}" }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`,
  );
  replicas.push(...(await Promise.all([startReplica(configFile), startReplica(configFile), startReplica(configFile)])));
}, 120_000);

afterAll(async () => {
  await Promise.all(spawned.map((child) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", () => resolve()), child.kill("SIGTERM"))))));
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

  it("refuse a key revoked on one replica on the others", async () => {
    const created = await runCli(["create", "--url", replicas[0]?.url ?? "", "--name", "revoke-me"]);
    const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
    expect(await Promise.all(replicas.map(({ url }) => chat(url, key)))).toEqual([200, 200, 200]);
    const revoked = await runCli(["revoke", id, "--url", replicas[0]?.url ?? ""]);
    expect(revoked.code).toBe(0);
    // How soon is the next test's business (on a fake clock); here, only that it reaches the other processes.
    for (const { url } of replicas.slice(1)) await expect.poll(() => chat(url, key), { timeout: 10_000, interval: 20 }).toBe(401);
    const listed = await runCli(["list", "--url", replicas[2]?.url ?? ""]);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(key);
    // Three CLI processes start here (create, revoke, list): a loaded machine needs more than the default budget.
  }, 90_000);

  it("refuse a revoked key on another replica once its 0.5 s key cache has expired, and not before", async () => {
    const clock = createFakeClock();
    const yaml = `auth: { mode: keys, admin_key: "${adminKey}", store: redis, redis_url: "${redis.url}" }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`;
    const [first, second] = await Promise.all([startClockedGateway(yaml, clock), startClockedGateway(yaml, clock)]);
    try {
      const admin = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
      const created = await fetch(`${first.url}/admin/keys`, { method: "POST", dispatcher, headers: admin, body: JSON.stringify({ name: "revoke-on-clock" }) });
      const { key, id } = (await created.json()) as { key: string; id: string };
      expect([await chat(first.url, key), await chat(second.url, key)]).toEqual([200, 200]);
      const revoked = await fetch(`${first.url}/admin/keys/${id}`, { method: "DELETE", dispatcher, headers: admin });
      await revoked.arrayBuffer();
      expect(revoked.status).toBe(200);
      // The second replica trusts its cached record for exactly the cache's lifetime, then reads the revocation.
      clock.advance(499);
      expect(await chat(second.url, key)).toBe(200);
      clock.advance(1);
      expect(await chat(second.url, key)).toBe(401);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
