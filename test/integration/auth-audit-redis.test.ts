import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisAuditLog } from "../../src/auth/audit-log.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

let redis: TestRedis;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  await client.quit();
  await redis.stop();
});

describe("Redis audit log", () => {
  it("keeps only the newest audit_max_entries entries", async () => {
    const audit = createRedisAuditLog(client, 3);
    for (let index = 0; index < 5; index++) await audit.append({ at: new Date(index).toISOString(), actor: "admin", action: `action-${index}` });
    expect(await client.llen("gantry:audit")).toBe(3);
    expect((await audit.recent(10)).map((entry) => entry.action)).toEqual(["action-2", "action-3", "action-4"]);
  });
});
