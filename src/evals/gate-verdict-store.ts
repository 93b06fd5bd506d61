import { randomUUID } from "node:crypto";
import type { SqlStatements } from "../store/sql-executor.js";
import type { GateVerdict } from "./gate.js";
import { textOrUndefined } from "../store/row-values.js";

/** One `gantry eval gate` decision, with the model version its candidate run was answered by. */
export interface StoredGateVerdict {
  /** The baseline as the gate was given it: a baseline name, or a run id. */
  readonly baseline: string;
  readonly baselineRunId: string;
  readonly candidateRunId: string;
  readonly suiteName: string;
  /** The model and version most of the candidate run's answers came from (undefined: not answered through Gantry's registry). */
  readonly model: string | undefined;
  readonly modelVersion: string | undefined;
  readonly verdict: GateVerdict;
  readonly reason: string;
  readonly at: number;
}

/** Reads gate verdicts: the registry's promotion precondition (docs/registry.md#promotion-preconditions). */
export interface GateVerdictReader {
  /** The newest verdict of `version` of `model` against `baseline`, if any. */
  latest(model: string, version: string, baseline: string): Promise<StoredGateVerdict | undefined>;
}

/** Stores and reads gate verdicts (table `eval_gate_verdicts`, migration 12). */
export interface GateVerdictStore extends GateVerdictReader {
  record(verdict: StoredGateVerdict): Promise<void>;
}


/** The gate verdict store over the gateway's database (SQLite or PostgreSQL). */
export function createGateVerdictStore(sql: SqlStatements): GateVerdictStore {
  return {
    async record(verdict) {
      await sql.run("INSERT INTO eval_gate_verdicts (id, baseline, baseline_run_id, candidate_run_id, suite_name, model, model_version, verdict, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        randomUUID(),
        verdict.baseline,
        verdict.baselineRunId,
        verdict.candidateRunId,
        verdict.suiteName,
        verdict.model ?? null,
        verdict.modelVersion ?? null,
        verdict.verdict,
        verdict.reason,
        verdict.at,
      ]);
    },
    async latest(model, version, baseline) {
      const [row] = await sql.all("SELECT * FROM eval_gate_verdicts WHERE model = ? AND model_version = ? AND baseline = ? ORDER BY at DESC, id DESC LIMIT 1", [model, version, baseline]);
      if (row === undefined) return undefined;
      return {
        baseline: String(row["baseline"]),
        baselineRunId: String(row["baseline_run_id"]),
        candidateRunId: String(row["candidate_run_id"]),
        suiteName: String(row["suite_name"]),
        model: textOrUndefined(row["model"]),
        modelVersion: textOrUndefined(row["model_version"]),
        verdict: String(row["verdict"]) as GateVerdict,
        reason: String(row["reason"]),
        at: Number(row["at"]),
      };
    },
  };
}
