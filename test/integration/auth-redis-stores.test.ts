import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisAuditLog } from "../../src/auth/audit-log.js";
import { createRedisKeyStore } from "../../src/auth/redis-key-store.js";
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

describe("Redis key store", () => {
  it("revokes once on a connection shared with other transactions: concurrent revocations all agree on the first time", async () => {
    const keys = createRedisKeyStore(client);
    await keys.create({ id: "k1", name: "shared", prefix: "gk-1", hash: "h1", created_at: new Date(0).toISOString() });
    // Other work on the same connection (a budget settlement's MULTI) runs between each revocation's read and write.
    const times = Array.from({ length: 8 }, (_, index) => new Date(1000 * (index + 1)).toISOString());
    const revoked = await Promise.all(times.map((at) => Promise.all([keys.revoke("k1", at), client.multi().incrbyfloat("spend", 1).exec()]).then(([record]) => record)));
    const stored = await keys.get("k1");
    expect(new Set(revoked.map((record) => record?.revoked_at))).toEqual(new Set([stored?.revoked_at]));
    expect(await keys.revoke("k1", new Date(99_000).toISOString())).toMatchObject({ revoked_at: stored?.revoked_at });
    expect(await keys.revoke("missing", new Date(0).toISOString())).toBeUndefined();
  });
});
