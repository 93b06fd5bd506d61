import type { SqlStatements } from "../store/sql-executor.js";
import type { CanaryAnalysis } from "./canary-decision.js";
import type { CanaryConfig } from "./progressive-config-schema.js";

/** Where a canary stands: running and waiting are analysed; the others are over. */
export type CanaryStatus = "running" | "paused" | "rolled_back" | "promoted" | "completed" | "aborted";

/** One model's canary: its candidate, its share and how its analyses went. */
export interface CanaryRun {
  readonly model: string;
  readonly version: number;
  readonly config: CanaryConfig;
  readonly status: CanaryStatus;
  /** The canary's current share of the model's traffic, in percent. */
  readonly weight: number;
  readonly failures: number;
  /** Consecutive analyses without enough data. */
  readonly inconclusives: number;
  readonly started_at: number;
  readonly step_started_at: number;
  readonly updated_at: number;
  readonly last_analysis: (CanaryAnalysis & { readonly at: number; readonly note?: string }) | null;
}

/** The canary runs, one per model (a new canary replaces the model's previous run). */
export interface CanaryStore {
  get(model: string): Promise<CanaryRun | undefined>;
  /** Runs still being analysed (running or paused). */
  active(): Promise<CanaryRun[]>;
  save(run: CanaryRun): Promise<void>;
}

const columns = ["model", "version", "config", "status", "weight", "failures", "inconclusives", "started_at", "step_started_at", "updated_at", "last_analysis"] as const;

function fromRow(row: Readonly<Record<string, unknown>>): CanaryRun {
  const analysis = row["last_analysis"];
  return {
    model: String(row["model"]),
    version: Number(row["version"]),
    config: JSON.parse(String(row["config"])) as CanaryConfig,
    status: String(row["status"]) as CanaryStatus,
    weight: Number(row["weight"]),
    failures: Number(row["failures"]),
    inconclusives: Number(row["inconclusives"]),
    started_at: Number(row["started_at"]),
    step_started_at: Number(row["step_started_at"]),
    updated_at: Number(row["updated_at"]),
    last_analysis: typeof analysis === "string" ? (JSON.parse(analysis) as CanaryRun["last_analysis"]) : null,
  };
}

/** The canary store over the gateway database (table `canary_runs`, migration 10). */
export function createCanaryStore(sql: SqlStatements): CanaryStore {
  return {
    async get(model) {
      const [row] = await sql.all("SELECT * FROM canary_runs WHERE model = ?", [model]);
      return row === undefined ? undefined : fromRow(row);
    },
    async active() {
      return (await sql.all("SELECT * FROM canary_runs WHERE status IN ('running', 'paused') ORDER BY model")).map(fromRow);
    },
    async save(run) {
      const values = [run.model, run.version, JSON.stringify(run.config), run.status, run.weight, run.failures, run.inconclusives, run.started_at, run.step_started_at, run.updated_at, run.last_analysis === null ? null : JSON.stringify(run.last_analysis)];
      const updates = columns.slice(1).map((column) => `${column} = excluded.${column}`).join(", ");
      await sql.run(`INSERT INTO canary_runs (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ON CONFLICT (model) DO UPDATE SET ${updates}`, values);
    },
  };
}
