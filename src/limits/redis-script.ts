import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** A Lua script run by its SHA1 (EVALSHA), loading it again when Redis answers NOSCRIPT (e.g. after a restart). */
export function createRedisScript(redis: Redis, source: string): (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown> {
  const sha = createHash("sha1").update(source).digest("hex");
  return async (keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}
