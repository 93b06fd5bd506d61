import type { Redis } from "ioredis";
import type { KeyRecord } from "./key-record.js";
import type { KeyStore } from "./key-store.js";
import { createRedisScript } from "../limits/redis-script.js";

const recordsKey = "gantry:keys";
const hashesKey = "gantry:keys:by-hash";
// One round trip: hash → id → record.
const findScript = `local id = redis.call('HGET', KEYS[2], ARGV[1])
if not id then return false end
return redis.call('HGET', KEYS[1], id)`;
// Compare-and-set of one record: written only if it is still the text that was read.
const swapScript = `if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/** Keys in Redis, shared by every replica; a revocation is visible to all of them on their next lookup. */
export function createRedisKeyStore(redis: Redis): KeyStore {
  const parse = (text: string | null | undefined): KeyRecord | undefined => (typeof text === "string" ? (JSON.parse(text) as KeyRecord) : undefined);
  const find = createRedisScript(redis, findScript);
  const swap = createRedisScript(redis, swapScript);
  return {
    create: async (record) => {
      await redis.multi().hset(recordsKey, record.id, JSON.stringify(record)).hset(hashesKey, record.hash, record.id).exec();
    },
    findByHash: async (hash) => parse((await find([recordsKey, hashesKey], [hash])) as string | null),
    get: async (id) => parse(await redis.hget(recordsKey, id)),
    list: async () => Object.values(await redis.hgetall(recordsKey)).map((text) => JSON.parse(text) as KeyRecord),
    revoke: async (id, at) => {
      // Read, then compare-and-set in one script: WATCH would not protect it, since the connection is shared and any
      // other request's EXEC on it ends the watch. So the first revocation's time stays, and every caller sees it.
      for (let attempt = 0; attempt < 5; attempt++) {
        const text = await redis.hget(recordsKey, id);
        if (text === null) return undefined;
        const record = JSON.parse(text) as KeyRecord;
        if (record.revoked_at !== undefined) return record;
        const revoked = { ...record, revoked_at: at };
        if ((await swap([recordsKey], [id, text, JSON.stringify(revoked)])) === 1) return revoked;
      }
      throw new Error("could not revoke the key: too much contention");
    },
    close: async () => undefined,
  };
}
