import { randomUUID } from "node:crypto";
import type { SqlExecutor, SqlRow, SqlStatements } from "../store/sql-executor.js";
import { createGateVerdictStore, type GateVerdictStore } from "./gate-verdict-store.js";
import type { EvalItemResult, EvalRunReader, EvalRunResults } from "./run-results.js";
import { textOrUndefined } from "../store/row-values.js";

/** What a new run is. */
export interface NewRun {
  readonly suiteName: string;
  readonly suiteHash: string;
  readonly seed: number;
  readonly repeats: number;
  readonly itemCount: number;
  readonly target: string;
  readonly startedAt: number;
}

/** A stored item result with what answered it. */
export interface StoredItem extends EvalItemResult {
  readonly model: string | undefined;
  readonly modelVersion: string | undefined;
  readonly deployment: string | undefined;
  /** Answered from the eval answer cache: nothing was spent on it in this run. */
  readonly cached: boolean;
}

/** A stored run with its items as stored (the gate reads it as plain EvalRunResults). */
export interface StoredRun extends EvalRunResults {
  readonly items: readonly StoredItem[];
}

/** A row of a run listing. */
export interface RunSummary {
  readonly runId: string;
  readonly suiteName: string;
  readonly target: string;
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
  /** Stored answers (items × repeats scored so far), how many passed, and what they cost. */
  readonly answers: number;
  readonly passed: number;
  readonly costUsd: number;
}

/** A baseline pointer, or one change of it. */
export interface BaselineRow {
  readonly name: string;
  readonly runId: string;
  readonly previousRunId: string | undefined;
  readonly setBy: string;
  readonly setAt: number;
}

/** Durable eval state over the gateway's database (SQLite or PostgreSQL), gate verdicts included. */
export interface EvalStore extends EvalRunReader, GateVerdictStore {
  loadRun(runId: string): Promise<StoredRun | undefined>;
  createRun(run: NewRun): Promise<string>;
  /** The newest unfinished run of the same suite hash, target, seed and repeats: the run a rerun resumes. */
  findUnfinishedRun(run: Pick<NewRun, "suiteHash" | "target" | "seed" | "repeats">): Promise<string | undefined>;
  runInfo(runId: string): Promise<(NewRun & { runId: string; finishedAt: number | undefined }) | undefined>;
  /** `itemKey` + "\u0000" + repeat for every scored pair of a run. */
  finishedPairs(runId: string): Promise<Set<string>>;
  /** Stores one result; false when that (item, repeat) was already stored (it is then left as it was). */
  saveItem(runId: string, item: StoredItem, finishedAt: number): Promise<boolean>;
  /** Marks the run finished and records the model, version and deployment most of its answers came from. */
  finishRun(runId: string, finishedAt: number): Promise<void>;
  /** The newest runs first; `before` (the last row of a previous page) continues the listing after it. */
  listRuns(limit: number, before?: { readonly startedAt: number; readonly runId: string }): Promise<RunSummary[]>;
  setBaseline(name: string, runId: string, setBy: string, setAt: number): Promise<void>;
  listBaselines(): Promise<BaselineRow[]>;
  baselineHistory(name: string): Promise<BaselineRow[]>;
  cachedAnswer(key: string): Promise<string | undefined>;
  cacheAnswer(key: string, answer: string, createdAt: number): Promise<void>;
  close(): Promise<void>;
}

/** The key `finishedPairs` uses for one (item, repeat). */
export const pairKey = (itemKey: string, repeat: number): string => `${itemKey}\u0000${repeat}`;


function itemFromRow(row: SqlRow): StoredItem {
  const error = textOrUndefined(row["error"]);
  return {
    itemKey: String(row["item_key"]),
    repeat: Number(row["repeat_index"]),
    pass: Number(row["pass"]) === 1,
    score: Number(row["score"]),
    assertions: JSON.parse(String(row["assertions"])) as EvalItemResult["assertions"],
    output: String(row["output"]),
    ...(error === undefined ? {} : { error }),
    latencyMs: Number(row["latency_ms"]),
    promptTokens: Number(row["prompt_tokens"]),
    completionTokens: Number(row["completion_tokens"]),
    costUsd: Number(row["cost_usd"]),
    model: textOrUndefined(row["model"]),
    modelVersion: textOrUndefined(row["model_version"]),
    deployment: textOrUndefined(row["deployment"]),
    cached: Number(row["cached"]) === 1,
  };
}

const baselineFromRow = (row: SqlRow): BaselineRow => ({
  name: String(row["name"]),
  runId: String(row["run_id"]),
  previousRunId: textOrUndefined(row["previous_run_id"]),
  setBy: String(row["set_by"]),
  setAt: Number(row["set_at"]),
});

/** The eval store over a migrated executor; `close` closes the executor. */
export function createEvalStore(executor: SqlStatements & Pick<SqlExecutor, "close">): EvalStore {
  const runInfo: EvalStore["runInfo"] = async (runId) => {
    const row = (await executor.all("SELECT * FROM eval_runs WHERE id = ?", [runId]))[0];
    if (row === undefined) return undefined;
    return {
      runId,
      suiteName: String(row["suite_name"]),
      suiteHash: String(row["suite_hash"]),
      seed: Number(row["seed"]),
      repeats: Number(row["repeats"]),
      itemCount: Number(row["item_count"]),
      target: String(row["target"]),
      startedAt: Number(row["started_at"]),
      finishedAt: row["finished_at"] === null ? undefined : Number(row["finished_at"]),
    };
  };
  return {
    ...createGateVerdictStore(executor),
    async createRun(run) {
      const id = `run_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
      await executor.run("INSERT INTO eval_runs (id, suite_name, suite_hash, seed, repeats, item_count, target, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        id,
        run.suiteName,
        run.suiteHash,
        run.seed,
        run.repeats,
        run.itemCount,
        run.target,
        run.startedAt,
      ]);
      return id;
    },
    async findUnfinishedRun(run) {
      const rows = await executor.all(
        "SELECT id FROM eval_runs WHERE suite_hash = ? AND target = ? AND seed = ? AND repeats = ? AND finished_at IS NULL ORDER BY started_at DESC LIMIT 1",
        [run.suiteHash, run.target, run.seed, run.repeats],
      );
      return textOrUndefined(rows[0]?.["id"]);
    },
    runInfo,
    async finishedPairs(runId) {
      const rows = await executor.all("SELECT item_key, repeat_index FROM eval_items WHERE run_id = ?", [runId]);
      return new Set(rows.map((row) => pairKey(String(row["item_key"]), Number(row["repeat_index"]))));
    },
    async saveItem(runId, item, finishedAt) {
      const changed = await executor.run(
        `INSERT INTO eval_items (run_id, item_key, repeat_index, pass, score, assertions, output, error, latency_ms, prompt_tokens, completion_tokens, cost_usd, model, model_version, deployment, cached, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, item_key, repeat_index) DO NOTHING`,
        [
          runId,
          item.itemKey,
          item.repeat,
          item.pass ? 1 : 0,
          item.score,
          JSON.stringify(item.assertions),
          item.output,
          item.error ?? null,
          item.latencyMs,
          item.promptTokens,
          item.completionTokens,
          item.costUsd,
          item.model ?? null,
          item.modelVersion ?? null,
          item.deployment ?? null,
          item.cached ? 1 : 0,
          finishedAt,
        ],
      );
      return changed > 0;
    },
    async finishRun(runId, finishedAt) {
      const common = (
        await executor.all(
          "SELECT model, model_version, deployment, COUNT(*) AS answers FROM eval_items WHERE run_id = ? AND error IS NULL GROUP BY model, model_version, deployment ORDER BY answers DESC LIMIT 1",
          [runId],
        )
      )[0];
      await executor.run("UPDATE eval_runs SET finished_at = ?, model = ?, model_version = ?, deployment = ? WHERE id = ?", [
        finishedAt,
        textOrUndefined(common?.["model"]) ?? null,
        textOrUndefined(common?.["model_version"]) ?? null,
        textOrUndefined(common?.["deployment"]) ?? null,
        runId,
      ]);
    },
    async listRuns(limit, before) {
      // The figures are summed per listed run only (over the items' primary key), so a page costs the same however many runs are stored.
      const rows = await executor.all(
        `SELECT id, suite_name, target, started_at, finished_at,
          (SELECT COUNT(*) FROM eval_items i WHERE i.run_id = r.id) AS answers,
          (SELECT COALESCE(SUM(i.pass), 0) FROM eval_items i WHERE i.run_id = r.id) AS passed,
          (SELECT COALESCE(SUM(i.cost_usd), 0) FROM eval_items i WHERE i.run_id = r.id) AS cost_usd
        FROM eval_runs r ${before === undefined ? "" : "WHERE started_at < ? OR (started_at = ? AND id < ?)"}
        ORDER BY started_at DESC, id DESC LIMIT ?`,
        before === undefined ? [limit] : [before.startedAt, before.startedAt, before.runId, limit],
      );
      return rows.map((row) => ({
        runId: String(row["id"]),
        suiteName: String(row["suite_name"]),
        target: String(row["target"]),
        startedAt: Number(row["started_at"]),
        finishedAt: row["finished_at"] === null ? undefined : Number(row["finished_at"]),
        answers: Number(row["answers"]),
        passed: Number(row["passed"]),
        costUsd: Number(row["cost_usd"]),
      }));
    },
    async loadRun(runId) {
      const info = await runInfo(runId);
      if (info === undefined) return undefined;
      const row = (await executor.all("SELECT model, model_version, deployment FROM eval_runs WHERE id = ?", [runId]))[0];
      const items = (await executor.all("SELECT * FROM eval_items WHERE run_id = ? ORDER BY item_key, repeat_index", [runId])).map(itemFromRow);
      const results: StoredRun = {
        runId,
        suiteName: info.suiteName,
        suiteHash: info.suiteHash,
        seed: info.seed,
        target: info.target,
        model: textOrUndefined(row?.["model"]),
        modelVersion: textOrUndefined(row?.["model_version"]),
        deployment: textOrUndefined(row?.["deployment"]),
        startedAt: info.startedAt,
        finishedAt: info.finishedAt,
        items,
      };
      return results;
    },
    async baselineRun(name) {
      return textOrUndefined((await executor.all("SELECT run_id FROM eval_baselines WHERE name = ?", [name]))[0]?.["run_id"]);
    },
    async setBaseline(name, runId, setBy, setAt) {
      const previous = textOrUndefined((await executor.all("SELECT run_id FROM eval_baselines WHERE name = ?", [name]))[0]?.["run_id"]);
      // History first: a crash between the two writes leaves a history row ahead of the pointer, never a silent move.
      await executor.run("INSERT INTO eval_baseline_history (id, name, run_id, previous_run_id, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)", [randomUUID(), name, runId, previous ?? null, setBy, setAt]);
      await executor.run(
        "INSERT INTO eval_baselines (name, run_id, set_by, set_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET run_id = excluded.run_id, set_by = excluded.set_by, set_at = excluded.set_at",
        [name, runId, setBy, setAt],
      );
    },
    async listBaselines() {
      return (await executor.all("SELECT name, run_id, NULL AS previous_run_id, set_by, set_at FROM eval_baselines ORDER BY name")).map(baselineFromRow);
    },
    async baselineHistory(name) {
      return (await executor.all("SELECT name, run_id, previous_run_id, set_by, set_at FROM eval_baseline_history WHERE name = ? ORDER BY set_at, id", [name])).map(baselineFromRow);
    },
    async cachedAnswer(key) {
      return textOrUndefined((await executor.all("SELECT answer FROM eval_answer_cache WHERE key = ?", [key]))[0]?.["answer"]);
    },
    async cacheAnswer(key, answer, createdAt) {
      await executor.run("INSERT INTO eval_answer_cache (key, answer, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING", [key, answer, createdAt]);
    },
    close: () => executor.close(),
  };
}
