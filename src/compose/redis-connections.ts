import { Redis } from "ioredis";
import type { Logger } from "../pipeline/logger.js";

/** The gateway's Redis clients, one per URL and use, opened on first request and closed together. */
export interface RedisConnections {
  /** Keys, limits, budgets and audit: commands queue briefly while reconnecting, so a blip is not an error. */
  forState(url: string): Redis;
  /** The answer cache: never waits for Redis; while disconnected every command fails at once and reads as a miss. */
  forCache(url: string): Redis;
  /** Drills: until `until` (epoch ms on `now`) every command of every client fails as if Redis were unreachable; 0 ends it. */
  simulateDown(until: number, now?: () => number): void;
  close(): Promise<void>;
}

/** Creates the connection set; each client's errors are logged with what it serves. */
export function createRedisConnections(logger: Logger): RedisConnections {
  const clients = new Map<string, Redis>();
  const outage = { until: 0, now: Date.now };
  const open = (key: string, create: () => Redis, use: string): Redis => {
    let client = clients.get(key);
    if (client === undefined) {
      client = create();
      client.on("error", (error: unknown) => logger.warn({ err: error }, `redis connection problem (${use})`));
      failWhileSimulatedDown(client, outage);
      clients.set(key, client);
    }
    return client;
  };
  return {
    forState: (url) => open(`state ${url}`, () => new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true }), "keys, limits, budgets"),
    forCache: (url) =>
      open(`cache ${url}`, () => new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 1000, lazyConnect: true }), "answer cache"),
    simulateDown(until, now = Date.now) {
      outage.until = until;
      outage.now = now;
    },
    async close() {
      await Promise.all([...clients.values()].map((client) => client.quit().catch(() => client.disconnect())));
      clients.clear();
    },
  };
}

/** Every command (pipelines and scripts included) goes through `sendCommand`: fail it there while a drill says Redis is down. */
function failWhileSimulatedDown(client: Redis, outage: { until: number; now: () => number }): void {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    if (outage.until === 0 || outage.now() >= outage.until) return send(command, stream);
    command.reject(new Error("Connection is closed. (Redis outage simulated by a drill)"));
    return command.promise;
  };
}
