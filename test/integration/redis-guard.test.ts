import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisKeyStore } from "../../src/auth/redis-key-store.js";
import { createRedisConnections, type RedisConnections } from "../../src/compose/redis-connections.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

// A Redis that hangs (connection open, no replies) is the case a lost connection does not reveal: the breaker must
// open on the timeouts and stop requests from waiting on it.

let redis: TestRedis;
let connections: RedisConnections;
const logs: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  connections = createRedisConnections(pino({ level: "info" }, { write: (line: string) => void logs.push((JSON.parse(line) as { msg: string }).msg) }));
});

afterAll(async () => {
  redis.resume();
  await connections.close();
  await redis.stop();
});

const outcome = async (command: Promise<unknown>): Promise<string> => {
  try {
    await command;
    return "ok";
  } catch (error) {
    if (!(error instanceof GatewayError)) return error instanceof Error ? error.message : String(error);
    return error.cause instanceof Error ? `${error.code}: ${error.cause.message}` : error.code;
  }
};

describe("the breaker around a Redis connection", () => {
  it("times commands out at 100 ms on a hung Redis, opens after three, refuses at once while open, and closes when Redis answers", async () => {
    const client = connections.forState(redis.url);
    expect(await client.set("k", "v")).toBe("OK");
    expect(connections.health()).toMatchObject([{ use: "state", up: true }]);

    redis.pause();
    const timedOut = [await outcome(client.get("k")), await outcome(client.get("k")), await outcome(client.get("k"))];
    // A timeout reaches the caller as 503 dependency_unavailable too, with what happened as its cause.
    expect(timedOut).toEqual(Array.from({ length: 3 }, () => "dependency_unavailable: Redis did not answer within 100 ms"));
    // Open: refused without being sent, so without waiting.
    expect(await outcome(client.get("k"))).toBe("dependency_unavailable");
    expect(connections.health()).toMatchObject([{ up: false, failures: 4 }]);

    redis.resume();
    let answered = "";
    for (let tries = 0; tries < 100 && answered !== "ok"; tries++) {
      answered = await outcome(client.get("k"));
      if (answered !== "ok") await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(answered).toBe("ok");
    expect(connections.health()).toMatchObject([{ up: true }]);
    expect(logs.filter((line) => line.startsWith("redis "))).toEqual(["redis down: keys, limits and budgets follow their on_redis_failure policy", "redis back: keys, limits and budgets use it again"]);
  }, 20_000);

  it("lets a transaction through whole as the half-open probe, so every later reply still settles its own command", async () => {
    const client = connections.forState(redis.url);
    await client.set("k", "v");
    redis.pause();
    for (let index = 0; index < 3; index++) await outcome(client.get("k"));
    expect(connections.health()).toMatchObject([{ up: false }]);
    redis.resume();
    // Past the 250 ms cooldown the breaker lets one probe through. The first command to come is a transaction's MULTI:
    // had the rest of the transaction been refused, MULTI would wait forever for a reply never asked for, and each
    // later reply on the connection would settle the command before its own.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await client.multi().set("k", "w").get("k").exec()).toEqual([
      [null, "OK"],
      [null, "w"],
    ]);
    expect(await Promise.all([client.echo("a"), client.get("k"), client.echo("b")])).toEqual(["a", "w", "b"]);
    expect(connections.health()).toMatchObject([{ up: true }]);
  }, 20_000);

  it("fails a write queued before a first connection that never comes with 503, not ioredis's own error", async () => {
    const unreachable = createRedisConnections(pino({ level: "silent" }));
    const keys = createRedisKeyStore(unreachable.forState("redis://127.0.0.1:1"));
    const record = { id: "k1", name: "made while Redis never answered", prefix: "gk-1", hash: "h1", created_at: new Date(0).toISOString() };
    await expect(keys.create(record)).rejects.toMatchObject({ code: "dependency_unavailable", cause: { name: "MaxRetriesPerRequestError" } });
    await unreachable.close();
  });
});
