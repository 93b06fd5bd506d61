import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisLimiter } from "../../src/limits/redis-limiter.js";
import { limiterConformance } from "../helpers/limiter-conformance.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

let server: TestRedis;
let redis: Redis;
let prefixes = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe("redis limiter", () => {
  limiterConformance(async (start) => {
    const clock = { now: start };
    return { limiter: createRedisLimiter(redis, `test:${prefixes++}`, () => clock.now), clock };
  });

  it("keeps one field per second however many requests a minute holds, and no per-request entries once settled", async () => {
    const clock = { now: 9_000_000 };
    const limiter = createRedisLimiter(redis, "test:bounded", () => clock.now);
    const subjects = [{ id: "key:busy", rpm: 1_000_000, tpm: 1_000_000_000, concurrency: 100 }];
    for (let index = 0; index < 3000; index++) {
      expect((await limiter.acquire(`b${index}`, subjects, 50)).admitted).toBe(true);
      await limiter.settle(`b${index}`, subjects, 20, 50);
      clock.now += 40;
    }
    // 120 s of traffic: at most 61 buckets plus the `o` and `s` fields in each window.
    expect(await redis.hlen("test:bounded:key:busy:rq")).toBeLessThanOrEqual(63);
    expect(await redis.hlen("test:bounded:key:busy:tk")).toBeLessThanOrEqual(63);
    expect(Number(await redis.hget("test:bounded:key:busy:rq", "s"))).toBeLessThanOrEqual(1525);
    expect(Number(await redis.hget("test:bounded:key:busy:tk", "s"))).toBe(20 * Number(await redis.hget("test:bounded:key:busy:rq", "s")));
    expect(await redis.zcard("test:bounded:key:busy:conc")).toBe(0);
    expect(await redis.keys("test:bounded:lease:*")).toEqual([]);
  });
});
