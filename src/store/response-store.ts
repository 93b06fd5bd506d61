import type { SqlExecutor } from "./sql-executor.js";

/** One stored response: the response object and the conversation a follow-up prepends, both as JSON text. */
export interface StoredResponse {
  readonly id: string;
  /** The partition that may see it (`tenantOf` of the principal that created it). */
  readonly tenant: string;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly expiresAt: number;
  readonly response: string;
  readonly conversation: string;
}

/** Durable stored responses, always read and deleted within one tenant. */
export interface ResponseStore {
  putResponse(row: StoredResponse): Promise<void>;
  /** The tenant's unexpired response with this id; another tenant's is as unknown as a missing one. */
  getResponse(id: string, tenant: string, now: number): Promise<StoredResponse | undefined>;
  /** False when the tenant has no such response. */
  deleteResponse(id: string, tenant: string): Promise<boolean>;
  /** Deletes expired responses; resolves with how many. */
  pruneResponses(now: number): Promise<number>;
}

/** The response store over any SQL executor: the same SQL on SQLite and PostgreSQL. */
export function createResponseStore(executor: SqlExecutor): ResponseStore {
  return {
    async putResponse(row) {
      await executor.run("INSERT INTO responses (id, tenant, time, expires_at, response, conversation) VALUES (?, ?, ?, ?, ?, ?)", [row.id, row.tenant, row.time, row.expiresAt, row.response, row.conversation]);
    },

    async getResponse(id, tenant, now) {
      const rows = await executor.all("SELECT id, tenant, time, expires_at, response, conversation FROM responses WHERE id = ? AND tenant = ? AND expires_at > ?", [id, tenant, now]);
      const row = rows[0];
      if (row === undefined) return undefined;
      return { id: String(row["id"]), tenant: String(row["tenant"]), time: Number(row["time"]), expiresAt: Number(row["expires_at"]), response: String(row["response"]), conversation: String(row["conversation"]) };
    },

    async deleteResponse(id, tenant) {
      return (await executor.run("DELETE FROM responses WHERE id = ? AND tenant = ?", [id, tenant])) > 0;
    },

    pruneResponses: (now) => executor.run("DELETE FROM responses WHERE expires_at <= ?", [now]),
  };
}
