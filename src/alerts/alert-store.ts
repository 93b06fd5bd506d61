import type { SqlStatements, SqlRow, SqlValue } from "../store/sql-executor.js";
import type { AlertNotification } from "./alert-notification.js";
import { numberOrNull } from "../store/row-values.js";

/** One alert's stored state: what it is, since when, and what was last handed to the sinks. */
export interface AlertState {
  readonly fingerprint: string;
  readonly slo: string;
  readonly window: string;
  readonly severity: string;
  readonly status: "firing" | "resolved";
  readonly since: number;
  readonly evaluatedAt: number;
  readonly notifiedStatus: "firing" | "resolved" | null;
  readonly notifiedAt: number | null;
  readonly alert: AlertNotification;
}

/** One stored notification (the alert history), newest first in listings. */
export interface AlertHistoryEntry {
  readonly id: string;
  readonly fingerprint: string;
  readonly time: number;
  readonly status: "firing" | "resolved";
  readonly alert: AlertNotification;
}

/** Alert state and history in the database (migration 5). Transitions are compare-and-set, so two writers never both win. */
export interface AlertStore {
  states(): Promise<AlertState[]>;
  /** Stores a new alert; false when another evaluator stored it first. */
  insert(state: AlertState): Promise<boolean>;
  /** Replaces a state if it is still `expected` (same status and notifiedAt); false when it changed meanwhile. */
  replace(expected: Pick<AlertState, "fingerprint" | "status" | "notifiedAt">, next: AlertState): Promise<boolean>;
  /** Records the latest evaluation of an unchanged alert. */
  touch(fingerprint: string, evaluatedAt: number, alert: AlertNotification): Promise<void>;
  addHistory(entry: AlertHistoryEntry): Promise<void>;
  /** History, newest first, strictly older than `before` when given. */
  history(options: { readonly limit: number; readonly before?: { readonly time: number; readonly id: string } }): Promise<AlertHistoryEntry[]>;
}

const stateColumns = "fingerprint, slo, window_name, severity, status, since, evaluated_at, notified_status, notified_at, alert";

/** The alert store over a SQL executor. */
export function createAlertStore(sql: SqlStatements): AlertStore {
  return {
    async states() {
      return (await sql.all(`SELECT ${stateColumns} FROM alert_state ORDER BY slo, window_name`)).map(toState);
    },
    async insert(state) {
      return (await sql.run(`INSERT INTO alert_state (${stateColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING`, stateValues(state))) === 1;
    },
    async replace(expected, next) {
      const changed = await sql.run(
        `UPDATE alert_state SET status = ?, since = ?, evaluated_at = ?, notified_status = ?, notified_at = ?, alert = ?
         WHERE fingerprint = ? AND status = ? AND COALESCE(notified_at, -1) = ?`,
        [next.status, next.since, next.evaluatedAt, next.notifiedStatus, next.notifiedAt, JSON.stringify(next.alert), expected.fingerprint, expected.status, expected.notifiedAt ?? -1],
      );
      return changed === 1;
    },
    async touch(fingerprint, evaluatedAt, alert) {
      await sql.run("UPDATE alert_state SET evaluated_at = ?, alert = ? WHERE fingerprint = ?", [evaluatedAt, JSON.stringify(alert), fingerprint]);
    },
    async addHistory(entry) {
      await sql.run("INSERT INTO alert_history (id, fingerprint, time, status, alert) VALUES (?, ?, ?, ?, ?)", [entry.id, entry.fingerprint, entry.time, entry.status, JSON.stringify(entry.alert)]);
    },
    async history({ limit, before }) {
      const where = before === undefined ? "" : "WHERE time < ? OR (time = ? AND id < ?)";
      const params: SqlValue[] = before === undefined ? [] : [before.time, before.time, before.id];
      const rows = await sql.all(`SELECT id, fingerprint, time, status, alert FROM alert_history ${where} ORDER BY time DESC, id DESC LIMIT ?`, [...params, limit]);
      return rows.map((row) => ({
        id: String(row["id"]),
        fingerprint: String(row["fingerprint"]),
        time: Number(row["time"]),
        status: row["status"] === "firing" ? "firing" : "resolved",
        alert: JSON.parse(String(row["alert"])) as AlertNotification,
      }));
    },
  };
}

function stateValues(state: AlertState): SqlValue[] {
  return [state.fingerprint, state.slo, state.window, state.severity, state.status, state.since, state.evaluatedAt, state.notifiedStatus, state.notifiedAt, JSON.stringify(state.alert)];
}

function toState(row: SqlRow): AlertState {
  const notified = row["notified_status"];
  return {
    fingerprint: String(row["fingerprint"]),
    slo: String(row["slo"]),
    window: String(row["window_name"]),
    severity: String(row["severity"]),
    status: row["status"] === "firing" ? "firing" : "resolved",
    since: Number(row["since"]),
    evaluatedAt: Number(row["evaluated_at"]),
    notifiedStatus: notified === "firing" || notified === "resolved" ? notified : null,
    notifiedAt: numberOrNull(row["notified_at"]),
    alert: JSON.parse(String(row["alert"])) as AlertNotification,
  };
}
