import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { createRedisCacheStore } from "../../src/cache/redis-cache-store.js";
import { createRedisConnections } from "../../src/compose/redis-connections.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
let redis: TestRedis;
let upstream: FakeUpstream;
const gateways: ChildProcess[] = [];
const urls: string[] = [];

/** Starts `gantry serve` as its own process and resolves with its URL from the "gantry listening" line. */
function serve(configFile: string): Promise<string> {
  const child = spawn(tsx, [join(root, "src/cli/gantry.ts"), "serve", "--config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  gateways.push(child);
  child.stderr.resume();
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"url":"(http:[^"]+)"/.exec(buffered);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`gantry exited with ${code}: ${buffered}`)));
  });
}

beforeAll(async () => {
  [redis, upstream] = await Promise.all([startRedis(), startFakeUpstream()]);
  const file = join(mkdtempSync(join(tmpdir(), "gantry-cache-redis-")), "gantry.yaml");
  writeFileSync(file, `server: { port: 0 }\nlogging: { level: info, requests: false }\ncache: { backend: redis, redis_url: "${redis.url}", ttl_seconds: 60 }\nmodels:\n  - name: story\n    cache: { mode: exact }\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }\n`);
  urls.push(...(await Promise.all([serve(file), serve(file)])));
}, 60_000);

afterAll(async () => {
  await Promise.all(gateways.map((child) => (child.exitCode !== null ? undefined : new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  }))));
  await upstream.close();
  await redis.stop();
});

async function ask(url: string, content: string, stream = false): Promise<{ cache: string | null; text: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages: [{ role: "user", content }], temperature: 0, stream }) });
  expect(response.status).toBe(200);
  return { cache: response.headers.get("x-gantry-cache"), text: await response.text() };
}

describe("Redis cache backend", () => {
  it("an answer cached through one gateway process is a hit on another", async () => {
    const calls = upstream.calls.length;
    const first = await ask(urls[0] ?? "", "shared across replicas");
    const second = await ask(urls[1] ?? "", "shared across replicas");
    expect([first.cache, second.cache]).toEqual(["miss", "hit"]);
    expect((JSON.parse(second.text) as { choices: unknown }).choices).toEqual((JSON.parse(first.text) as { choices: unknown }).choices);
    const streamed = await ask(urls[1] ?? "", "streamed on one replica", true);
    const replayed = await ask(urls[0] ?? "", "streamed on one replica", true);
    expect([streamed.cache, replayed.cache]).toEqual(["miss", "hit"]);
    expect(upstream.calls.length - calls).toBe(2);
  });

  it("stores with a TTL (SET PX) and reads a dead Redis as a miss", async () => {
    const connections = createRedisConnections(pino({ level: "silent" }));
    const store = createRedisCacheStore({ redis: connections.forCache(redis.url), maxBytes: 1e6 });
    await store.set("ttl-probe", "value", 150);
    expect(await store.get("ttl-probe")).toBe("value");
    // Redis expires the entry on its own clock; what the store owns is setting that expiry, read back here.
    const inspector = new Redis(redis.url);
    const ttlMs = await inspector.pttl("gantry:cache:ttl-probe");
    await inspector.quit();
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(150);
    await expect.poll(() => store.get("ttl-probe"), { timeout: 5_000 }).toBeUndefined();
    await store.close();
    const dead = createRedisCacheStore({ redis: connections.forCache("redis://127.0.0.1:1"), maxBytes: 1e6 });
    expect(await dead.get("anything")).toBeUndefined();
    await dead.set("anything", "x", 1000);
    await dead.close();
    await connections.close();
  });
});
