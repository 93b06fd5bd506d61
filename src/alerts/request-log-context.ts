import type { SqlStatements, SqlValue } from "../store/sql-executor.js";
import type { AlertContextSource } from "./alert-context-source.js";

const columns: Readonly<Record<string, string>> = { model: "model", key: "key_id", team: "team" };

/**
 * The context available without the rollups and drift: the top error codes of the SLO's requests in the window, from
 * the request log (by time index, then filtered; it runs only when an alert fires). A version has no column there.
 */
export function createRequestLogContext(sql: SqlStatements, limit = 5): AlertContextSource {
  return {
    async context(labels, fromMs, toMs) {
      const where = ["time >= ?", "time < ?", "error_code IS NOT NULL"];
      const params: SqlValue[] = [fromMs, toMs];
      for (const [label, column] of Object.entries(columns)) {
        const value = labels[label];
        if (value === undefined || value === "") continue;
        where.push(`${column} = ?`);
        params.push(value);
      }
      const rows = await sql.all(`SELECT error_code, COUNT(*) AS count FROM requests WHERE ${where.join(" AND ")} GROUP BY error_code ORDER BY count DESC, error_code LIMIT ?`, [...params, limit]);
      return { topErrors: rows.map((row) => ({ type: String(row["error_code"]), count: Number(row["count"]) })) };
    },
  };
}
