import type { ChildProcess } from "node:child_process";
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { exited, listening, runGantry } from "../helpers/gantry-process.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

// Three gateway processes on one Redis and one PostgreSQL, all started here: what must hold when Gantry scales out
// (docs/scale-out.md#the-replica-suite). Real time on purpose: what is measured is delivery between processes (Redis,
// PostgreSQL notifications, file watches), and the registry's poll is set far above 1 s so only notifications meet it.
const adminKey = "scale-out-admin-key-0123456789";
const admin = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
const dispatcher = new Agent({ connections: 64 });
let redis: TestRedis;
let postgres: PostgresServer;
let upstream: FakeUpstream;
let configFile: string;
interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: Promise<{ code: number | null; stdout: string; stderr: string }>;
}
const replicas: Replica[] = [];
// The rolling restart's requests take this long upstream, so some are in flight on each replica when its SIGTERM comes.
const loadPrompt = "rolling load";
const upstreamDelayMs = 300;
/** Every process started, so a failed start still leaves nothing running. */
const children = new Set<ChildProcess>();

function configYaml(extraModel = ""): string {
  const deployment = `    deployments: [{ provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }]`;
  return [
    // No warm-up copy: it speeds first requests, not correctness, and each of the six starts would pay for it.
    "server: { port: 0, shutdown_grace_ms: 3000, warm_up_requests: 0 }",
    "logging: { level: info, requests: false }",
    `auth: { mode: keys, admin_key: "\${GANTRY_ADMIN_KEY}", store: redis, redis_url: "${redis.url}" }`,
    `limits: { backend: redis, redis_url: "${redis.url}" }`,
    `cache: { backend: redis, redis_url: "${redis.url}" }`,
    `database: { url: "${postgres.url}" }`,
    "registry: { poll_ms: 60000 }",
    "models:",
    "  - name: plain",
    deployment,
    "  - name: priced",
    "    pricing: { input_per_million: 1000000, output_per_million: 1000000 }",
    deployment,
    "  - name: cached",
    "    cache: { mode: exact }",
    deployment,
    extraModel,
    "",
  ].join("\n");
}

/** Starts `gantry serve` on a port of its own (port 0 in the config) and resolves once it listens. */
async function startReplica(): Promise<Replica> {
  const child = runGantry(["serve", "--config", configFile], { GANTRY_ADMIN_KEY: adminKey });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const output = exited(child);
  const url = await listening(child);
  return { url, child, output };
}

/** SIGTERM, as Kubernetes sends it; resolves with the replica's logs once it has drained and exited cleanly. */
async function stopReplica(replica: Replica): Promise<string> {
  replica.child.kill("SIGTERM");
  const { code, stdout, stderr } = await replica.output;
  expect(code).toBe(0);
  return stdout + stderr;
}

async function post(url: string, path: string, key: string, body: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, { method: "POST", dispatcher, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers as unknown as Headers, json: (await response.json()) as Record<string, unknown> };
}

const chat = (url: string, key: string, model: string, content = "hi") => post(url, "/v1/chat/completions", key, { model, messages: [{ role: "user", content }], max_tokens: 5, temperature: 0 });

async function createKey(body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const created = await post(replicas[0]?.url ?? "", "/admin/keys", adminKey, body);
  expect(created.status).toBe(201);
  return created.json as { key: string; id: string };
}

/** Polls every replica at once until `seen` holds on it; resolves with the slowest replica's delay after `since`. */
async function slowestToSee(since: number, seen: (url: string) => Promise<boolean>): Promise<number> {
  const delays = await Promise.all(
    replicas.map(async ({ url }) => {
      while (!(await seen(url))) {
        if (performance.now() - since > 5000) return Infinity;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return performance.now() - since;
    }),
  );
  return Math.max(...delays);
}

beforeAll(async () => {
  [redis, postgres, upstream] = await Promise.all([startRedis(), startPostgres(), startFakeUpstream({ record: false, chooseBehavior: (call) => (JSON.stringify(call.body).includes(loadPrompt) ? { kind: "ok", delayMs: upstreamDelayMs } : undefined) })]);
  configFile = join(mkdtempSync(join(tmpdir(), "gantry-scale-out-")), "gantry.yaml");
  writeFileSync(configFile, configYaml());
  // All three at once on an empty database: the migration lock must let exactly one of them migrate it.
  replicas.push(...(await Promise.all([1, 2, 3].map(() => startReplica()))));
}, 90_000);

afterAll(async () => {
  await Promise.all(replicas.map((replica) => (replica.child.exitCode === null ? stopReplica(replica) : undefined)));
  for (const child of children) child.kill("SIGKILL");
  await dispatcher.close();
  await Promise.all([upstream?.close(), redis?.stop(), postgres?.stop()]);
});

describe("three replicas on one Redis and one PostgreSQL", () => {
  it("migrated the empty database exactly once, though all three started at once", async () => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const rows = (await client.query("SELECT version, applied_at FROM gantry_schema_version ORDER BY version")).rows as { version: number; applied_at: string }[];
      // One row per migration, each applied once: a second migrator would have failed on the primary key (and its
      // replica would not have started), or found nothing left to do.
      expect(rows.map((row) => row.version)).toEqual(migrations.map((migration) => migration.version));
      // One migrator applied them all, in one pass under the lock: no gap where another replica could have come in.
      const appliedAt = rows.map((row) => Number(row.applied_at));
      expect(Math.max(...appliedAt) - Math.min(...appliedAt)).toBeLessThan(5000);
    } finally {
      await client.end();
    }
    for (const replica of replicas) expect(replica.child.exitCode).toBeNull();
  });

  it("admit exactly 100 of 300 requests on a 100-RPM key, spread across them", async () => {
    const { key } = await createKey({ name: "shared-rpm", rpm: 100 });
    const statuses = await Promise.all(Array.from({ length: 300 }, async (_, index) => (await chat(replicas[index % 3]?.url ?? "", key, "plain")).status));
    expect(statuses.filter((status) => status === 200)).toHaveLength(100);
    expect(statuses.filter((status) => status === 429)).toHaveLength(200);
  });

  it("spend a budget once, not once per replica", async () => {
    // $1 per token: a request reserves ~$10 and costs ~$6, so a $15 budget covers exactly one, wherever it lands.
    const { key, id } = await createKey({ name: "budget", budget: { daily_usd: 15 } });
    const statuses = [];
    for (const replica of replicas) statuses.push((await chat(replica.url, key, "priced")).status);
    expect(statuses).toEqual([200, 429, 429]);
    const spends = await Promise.all(
      replicas.map(async ({ url }) => ((await (await fetch(`${url}/admin/keys/${id}`, { dispatcher, headers: admin })).json()) as { spend: { day_usd: number } }).spend.day_usd),
    );
    expect(spends[0]).toBeGreaterThan(5);
    expect(spends[0]).toBeLessThan(15);
    expect(new Set(spends).size).toBe(1);
  });

  it("serve an answer cached by one replica from the others", async () => {
    const { key } = await createKey({ name: "cache" });
    const first = await chat(replicas[0]?.url ?? "", key, "cached", "a question worth caching");
    expect(first.headers.get("x-gantry-cache")).toBe("miss");
    for (const replica of replicas.slice(1)) {
      const again = await chat(replica.url, key, "cached", "a question worth caching");
      expect(again.headers.get("x-gantry-cache")).toBe("hit");
      expect(again.json["choices"]).toEqual(first.json["choices"]);
    }
  });

  it("refuse a key revoked on one replica on every replica within 1 s", async () => {
    const { key, id } = await createKey({ name: "revoke" });
    expect((await Promise.all(replicas.map(({ url }) => chat(url, key, "plain")))).map((answer) => answer.status)).toEqual([200, 200, 200]);
    const revoked = await fetch(`${replicas[0]?.url ?? ""}/admin/keys/${id}`, { method: "DELETE", dispatcher, headers: admin });
    await revoked.arrayBuffer();
    expect(revoked.status).toBe(200);
    const slowest = await slowestToSee(performance.now(), async (url) => (await chat(url, key, "plain")).status === 401);
    expect(slowest).toBeLessThan(1000);
  });

  it("serve an alias change made through one replica's admin API from every replica within 1 s", async () => {
    const { key } = await createKey({ name: "alias" });
    const version = async (url: string): Promise<string | null> => (await chat(url, key, "plain")).headers.get("x-gantry-model-version");
    expect(await Promise.all(replicas.map(({ url }) => version(url)))).toEqual(["1", "1", "1"]);
    const created = await post(replicas[0]?.url ?? "", "/admin/models/plain/versions", adminKey, { deployments: [{ provider: "openai-compatible", base_url: upstream.baseUrl, upstream_model: "tiny-2" }] });
    expect(created.status).toBe(201);
    const promoted = await post(replicas[0]?.url ?? "", "/admin/models/plain/promote", adminKey, { version: 2 });
    expect(promoted.status).toBe(200);
    const slowest = await slowestToSee(performance.now(), async (url) => (await version(url)) === "2");
    expect(slowest).toBeLessThan(1000);
  });

  it("see a config file change on every replica within 1 s, each through its own file watch, and reload on SIGHUP", async () => {
    const { key } = await createKey({ name: "reload" });
    expect((await chat(replicas[0]?.url ?? "", key, "added")).status).toBe(404);
    const next = join(configFile, "..", "gantry.yaml.next");
    writeFileSync(next, configYaml(`  - name: added\n    deployments: [{ provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }]`));
    // As editors and ConfigMap updates do: a new file renamed over the old one.
    renameSync(next, configFile);
    const slowest = await slowestToSee(performance.now(), async (url) => (await chat(url, key, "added")).status === 200);
    expect(slowest).toBeLessThan(1000);
    const configState = async (url: string): Promise<{ generation: number; reloads: { success: number } }> =>
      (await (await fetch(`${url}/admin/config`, { dispatcher, headers: admin })).json()) as { generation: number; reloads: { success: number } };
    for (const { url } of replicas) await expect.poll(() => configState(url), { timeout: 2000, interval: 20 }).toMatchObject({ generation: 2, reloads: { success: 1 } });
    // SIGHUP reloads too (the file, unchanged, as the next generation).
    const [first] = replicas;
    first?.child.kill("SIGHUP");
    await expect.poll(async () => (await configState(first?.url ?? "")).generation, { timeout: 5000, interval: 50 }).toBe(3);
    expect((await chat(first?.url ?? "", key, "added")).status).toBe(200);
  });

  it("answer every request of a steady load through a rolling restart", async () => {
    const { key } = await createKey({ name: "rolling" });
    // The balancer sends only to replicas in rotation, as a Service does with endpoints that pass readiness: a replica
    // leaves rotation before its SIGTERM (the preStop pause) and joins again once /readyz answers 200. Every request
    // that is not a 200 (an error status, a reset, a refused connection) is a failure: nothing is retried.
    const inRotation = new Set<Replica>(replicas);
    let turn = 0;
    const failures: string[] = [];
    let answered = 0;
    const sent: Promise<void>[] = [];
    const send = async (replica: Replica): Promise<void> => {
      try {
        const answer = await chat(replica.url, key, "plain", `${loadPrompt} ${turn}`);
        if (answer.status === 200) answered++;
        else failures.push(`${answer.status} ${JSON.stringify(answer.json)}`);
      } catch (error) {
        failures.push(String(error));
      }
    };
    let drained = 0;
    // 40 requests a second, round-robin over the replicas in rotation.
    const ticker = setInterval(() => {
      const live = replicas.filter((replica) => inRotation.has(replica));
      const replica = live[turn++ % live.length];
      if (replica !== undefined) sent.push(send(replica));
    }, 25);
    try {
      for (const [index, replica] of replicas.entries()) {
        inRotation.delete(replica);
        // Shorter than a request: what was sent before is still in flight at the SIGTERM, and must be answered.
        await new Promise((resolve) => setTimeout(resolve, 100));
        // Its replacement starts as it drains (on a port of its own, as a new pod gets a new address).
        const [logs, restarted] = await Promise.all([stopReplica(replica), startReplica()]);
        expect(logs).not.toMatch(/"level":(50|60)/);
        drained += Number(/"in_flight":(\d+)/.exec(logs)?.[1] ?? 0);
        replicas[index] = restarted;
        await expect.poll(async () => (await fetch(`${restarted.url}/readyz`, { dispatcher }).then(async (response) => (await response.arrayBuffer(), response.status))), { timeout: 10_000, interval: 50 }).toBe(200);
        inRotation.add(restarted);
        const before = answered;
        await expect.poll(() => answered, { timeout: 5000, interval: 50 }).toBeGreaterThan(before + 10);
      }
    } finally {
      clearInterval(ticker);
    }
    await Promise.all(sent);
    expect(failures).toEqual([]);
    expect(answered).toBe(sent.length);
    expect(answered).toBeGreaterThan(100);
    // The drain was exercised, not just avoided: requests were in flight when SIGTERM came, and each was answered.
    expect(drained).toBeGreaterThan(0);
  }, 120_000);
});
