import { Redis } from "ioredis";
import { dependencyUnavailable } from "../errors/dependency-unavailable.js";
import type { Logger } from "../pipeline/logger.js";
import { guardRedis, redisReconnectCapMs, type RedisHealth } from "./redis-guard.js";
import { createPipelineDecision } from "./redis-pipeline-decision.js";

/** One connection's health, labelled for `/metrics`. */
export interface RedisConnectionHealth extends RedisHealth {
  /** `state` (keys, limits, budgets, audit) or `cache`. */
  readonly use: "state" | "cache";
  /** host:port, never credentials. */
  readonly server: string;
}

/** The gateway's Redis clients, one per URL and use, opened on first request and closed together. */
export interface RedisConnections {
  /** Keys, limits, budgets and audit. */
  forState(url: string): Redis;
  /** The answer cache: never waits for its first connection either; while disconnected every command fails at once. */
  forCache(url: string): Redis;
  /** Drills: until `until` (epoch ms on `now`) every command of every client fails as if Redis were unreachable; 0 ends it. */
  simulateDown(until: number, now?: () => number): void;
  /** Every opened connection's health (docs/operations.md). */
  health(): RedisConnectionHealth[];
  close(): Promise<void>;
}

// Every client: a command waits at most redisCommandTimeoutMs once sent (the guard times it) and is never resent after a reconnect, and a
// lost connection is retried with a short capped backoff so a returning Redis is found within redisReconnectCapMs.
// The offline queue only holds commands sent before the first connection is made (the guard refuses them later).
const common = {
  maxRetriesPerRequest: 0,
  connectTimeout: 1000,
  retryStrategy: (attempt: number) => Math.min(25 * attempt, redisReconnectCapMs),
};

/**
 * Creates the connection set. Each client sits behind a breaker (redis-guard.ts), so requests never wait on a dead
 * Redis, and each change between up and down is logged once, with what the connection serves.
 */
export function createRedisConnections(logger: Logger): RedisConnections {
  const clients = new Map<string, { client: Redis; health: () => RedisConnectionHealth }>();
  const outage = { until: 0, now: Date.now };
  let closing = false;
  const open = (use: "state" | "cache", url: string, options: { enableOfflineQueue: boolean; lazyConnect?: boolean }, serves: string): Redis => {
    const key = `${use} ${url}`;
    const existing = clients.get(key);
    if (existing !== undefined) return existing.client;
    const client = new Redis(url, { ...common, ...options });
    const server = `${client.options.host ?? ""}:${client.options.port ?? ""}`;
    // ioredis reports every failed reconnect as an error event; the guard logs the state changes instead.
    client.on("error", () => undefined);
    // Inside the guard, so a drill's simulated outage looks to the guard exactly like a real one.
    failWhileSimulatedDown(client, outage);
    const health = guardRedis(client, {
      onChange: (up, error) => {
        if (closing) return;
        if (up) logger.info({ redis: server, use }, `redis back: ${serves} use it again`);
        else logger.warn({ redis: server, use, err: error }, `redis down: ${serves} follow their on_redis_failure policy`);
      },
    });
    clients.set(key, { client, health: () => ({ use, server, ...health() }) });
    return client;
  };
  return {
    forState: (url) => open("state", url, { enableOfflineQueue: true }, "keys, limits and budgets"),
    forCache: (url) => open("cache", url, { enableOfflineQueue: false, lazyConnect: true }, "the answer cache"),
    health: () => [...clients.values()].map((entry) => entry.health()),
    simulateDown(until, now = Date.now) {
      outage.until = until;
      outage.now = now;
    },
    async close() {
      closing = true;
      await Promise.all([...clients.values()].map(({ client }) => client.quit().catch(() => client.disconnect())));
      clients.clear();
    },
  };
}

/**
 * Every command (pipelines and scripts included) goes through `sendCommand`: fail it there while a drill says Redis
 * is down. A pipeline that straddles the end of the outage is failed or sent whole (redis-pipeline-decision.ts).
 */
function failWhileSimulatedDown(client: Redis, outage: { until: number; now: () => number }): void {
  const send = client.sendCommand.bind(client);
  const decide = createPipelineDecision();
  const reachable = (): boolean => outage.until === 0 || outage.now() >= outage.until;
  client.sendCommand = (command, stream) => {
    if (decide(stream, reachable)) return send(command, stream);
    command.reject(dependencyUnavailable(new Error("Connection is closed. (Redis outage simulated by a drill)")));
    return command.promise;
  };
}
