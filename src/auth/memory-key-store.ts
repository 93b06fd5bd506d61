import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KeyRecord } from "./key-record.js";
import type { KeyStore } from "./key-store.js";

/**
 * Keys in this process's memory, optionally persisted to `<dataDir>/keys.json` (rewritten whole on each change:
 * admin changes are rare and the file is small). The number of keys is bounded by what admins create.
 */
export function createMemoryKeyStore(dataDir?: string): KeyStore {
  const byId = new Map<string, KeyRecord>();
  const idByHash = new Map<string, string>();
  const file = dataDir === undefined ? undefined : join(dataDir, "keys.json");
  if (file !== undefined && dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true });
    try {
      for (const record of JSON.parse(readFileSync(file, "utf8")) as KeyRecord[]) add(record);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  function add(record: KeyRecord): void {
    byId.set(record.id, record);
    idByHash.set(record.hash, record.id);
  }
  function persist(): void {
    if (file === undefined) return;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify([...byId.values()], null, 1), { mode: 0o600 });
    renameSync(temporary, file);
  }
  return {
    create: async (record) => {
      add(record);
      persist();
    },
    findByHash: async (hash) => {
      const id = idByHash.get(hash);
      return id === undefined ? undefined : byId.get(id);
    },
    get: async (id) => byId.get(id),
    list: async () => [...byId.values()],
    revoke: async (id, at) => {
      const record = byId.get(id);
      if (record === undefined) return undefined;
      const revoked = { ...record, revoked_at: record.revoked_at ?? at };
      byId.set(id, revoked);
      persist();
      return revoked;
    },
    close: async () => undefined,
  };
}
