import type { SqlStatements } from "../store/sql-executor.js";

/** A lease row in the database that lets one replica at a time evaluate and send alerts. */
export interface AlertLease {
  /** Takes the lease when it is free or expired, or extends it when held by this holder (the heartbeat); true when held. */
  acquire(now: number): Promise<boolean>;
  /** Gives the lease up at once so another replica can take over without waiting for it to expire. */
  release(): Promise<void>;
}

/**
 * Each step is one atomic statement on both SQLite and PostgreSQL: an insert that does nothing when the row exists,
 * then an update that only matches when the lease has expired or is already ours.
 */
export function createAlertLease(sql: SqlStatements, options: { readonly name: string; readonly holder: string; readonly ttlMs: number }): AlertLease {
  const { name, holder, ttlMs } = options;
  return {
    async acquire(now) {
      const inserted = await sql.run("INSERT INTO alert_leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING", [name, holder, now + ttlMs]);
      if (inserted === 1) return true;
      const updated = await sql.run("UPDATE alert_leases SET holder = ?, expires_at = ? WHERE name = ? AND (expires_at < ? OR holder = ?)", [holder, now + ttlMs, name, now, holder]);
      return updated === 1;
    },
    async release() {
      await sql.run("UPDATE alert_leases SET expires_at = 0 WHERE name = ? AND holder = ?", [name, holder]);
    },
  };
}
