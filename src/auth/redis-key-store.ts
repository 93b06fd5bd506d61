import type { Redis } from "ioredis";
import type { KeyRecord } from "./key-record.js";
import type { KeyStore } from "./key-store.js";

const recordsKey = "gantry:keys";
const hashesKey = "gantry:keys:by-hash";
// One round trip: hash → id → record.
const findScript = `local id = redis.call('HGET', KEYS[2], ARGV[1])
if not id then return false end
return redis.call('HGET', KEYS[1], id)`;

/** Keys in Redis, shared by every replica; a revocation is visible to all of them on their next lookup. */
export function createRedisKeyStore(redis: Redis): KeyStore {
  const parse = (text: string | null | undefined): KeyRecord | undefined => (typeof text === "string" ? (JSON.parse(text) as KeyRecord) : undefined);
  return {
    create: async (record) => {
      await redis.multi().hset(recordsKey, record.id, JSON.stringify(record)).hset(hashesKey, record.hash, record.id).exec();
    },
    findByHash: async (hash) => parse((await redis.eval(findScript, 2, recordsKey, hashesKey, hash)) as string | null),
    get: async (id) => parse(await redis.hget(recordsKey, id)),
    list: async () => Object.values(await redis.hgetall(recordsKey)).map((text) => JSON.parse(text) as KeyRecord),
    revoke: async (id, at) => {
      // Read-modify-write under WATCH so two admins revoking at once cannot lose a field.
      for (let attempt = 0; attempt < 5; attempt++) {
        await redis.watch(recordsKey);
        const record = parse(await redis.hget(recordsKey, id));
        if (record === undefined) {
          await redis.unwatch();
          return undefined;
        }
        const revoked = { ...record, revoked_at: record.revoked_at ?? at };
        const result = await redis.multi().hset(recordsKey, id, JSON.stringify(revoked)).exec();
        if (result !== null) return revoked;
      }
      throw new Error("could not revoke the key: too much contention");
    },
    close: async () => undefined,
  };
}
