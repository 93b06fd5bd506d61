import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Redis } from "ioredis";

/** One admin action: who did what to which key, when. Never holds a secret. */
export interface AuditEntry {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** An append-only record of admin actions. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** The most recent entries, oldest first. */
  recent(limit: number): Promise<AuditEntry[]>;
}

const memoryTail = 1000;

/** Appends JSON lines to `<dataDir>/audit.jsonl` when given, keeping the last entries in memory for `GET /admin/audit`. */
export function createFileAuditLog(dataDir?: string): AuditLog {
  const tail: AuditEntry[] = [];
  const file = dataDir === undefined ? undefined : join(dataDir, "audit.jsonl");
  return {
    append: async (entry) => {
      tail.push(entry);
      if (tail.length > memoryTail) tail.shift();
      if (file === undefined || dataDir === undefined) return;
      await mkdir(dataDir, { recursive: true });
      await appendFile(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    },
    recent: async (limit) => tail.slice(-limit),
  };
}

/** Appends to a Redis list shared by every replica, trimmed to its newest `maxEntries` in the same transaction. */
export function createRedisAuditLog(redis: Redis, maxEntries: number): AuditLog {
  const key = "gantry:audit";
  return {
    append: async (entry) => {
      await redis.multi().rpush(key, JSON.stringify(entry)).ltrim(key, -maxEntries, -1).exec();
    },
    recent: async (limit) => (await redis.lrange(key, -limit, -1)).map((text) => JSON.parse(text) as AuditEntry),
  };
}
