import type { SqlExecutor, SqlRow, SqlStatements, SqlValue } from "./sql-executor.js";
import { textOrNull } from "./row-values.js";

/** One immutable model version as stored: its spec is JSON the registry validated before writing it. */
export interface ModelVersionRow {
  readonly model: string;
  readonly version: number;
  readonly spec: string;
  readonly spec_hash: string;
  /** `config` (from the config file at startup) or `api` (admin API / CLI). */
  readonly source: string;
  readonly created_at: number;
  readonly created_by: string;
}

/** An alias of a model pointing at one of its versions. */
export interface ModelAliasRow {
  readonly model: string;
  readonly alias: string;
  readonly version: number;
  readonly updated_at: number;
}

/** A model's traffic split: JSON weights by target (an alias or a version number). */
export interface ModelSplitRow {
  readonly model: string;
  readonly weights: string;
  readonly updated_at: number;
}

/** One audited registry change: who, when, what, and the value before and after (JSON or a version number). */
export interface RegistryHistoryRow {
  readonly id: number;
  readonly model: string;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly before_value: string | null;
  readonly after_value: string | null;
}

/** Everything the in-memory snapshot is built from, and the stamp it corresponds to. */
export interface RegistryState {
  readonly stamp: number;
  readonly versions: readonly ModelVersionRow[];
  readonly aliases: readonly ModelAliasRow[];
  readonly splits: readonly ModelSplitRow[];
}

/** Who made a change and when (epoch ms). */
export interface RegistryActor {
  readonly actor: string;
  readonly at: number;
}

/** A new version; `aliases` move to it in the same transaction (e.g. `prod` for a changed config definition). */
export interface NewModelVersion extends RegistryActor {
  readonly model: string;
  readonly spec: string;
  readonly specHash: string;
  readonly source: "config" | "api";
  readonly aliases: readonly string[];
}

/** What an alias or split change did. */
export interface RegistryChange {
  readonly before: string | null;
  readonly after: string | null;
}

/** The outcome of syncing the config's definition of a model. */
export interface ConfigVersionSync {
  readonly version: number;
  readonly created: boolean;
}

/** Durable registry state; every write runs under one lock and leaves a history row (whose id is the change stamp). */
export interface RegistryStore {
  /** The id of the newest history row: replicas compare it to tell whether their snapshot is stale. */
  registryStamp(): Promise<number>;
  loadRegistry(): Promise<RegistryState>;
  createModelVersion(version: NewModelVersion): Promise<number>;
  /**
   * Makes the config's definition a version: nothing when the newest config-sourced version has the same hash (prod
   * is only set if the model has none), else a new version that `prod` moves to.
   */
  syncConfigVersion(version: Omit<NewModelVersion, "source" | "aliases">): Promise<ConfigVersionSync>;
  /** Points `alias` at `version`, or removes it (`version` null); `action` names the change in the history. */
  setModelAlias(change: RegistryActor & { model: string; alias: string; version: number | null; action: string }): Promise<RegistryChange>;
  /** Sets (or with null clears) a model's split weights, given as JSON. */
  setModelSplit(change: RegistryActor & { model: string; weights: string | null }): Promise<RegistryChange>;
  /** The version an alias pointed at before its current one (from its newest change); undefined when none. */
  previousAliasVersion(model: string, alias: string): Promise<number | undefined>;
  /** A model's changes, newest first; only those at or before `at` when given. */
  modelHistory(model: string, at?: number, limit?: number): Promise<RegistryHistoryRow[]>;
  /** The version `alias` pointed at, at time `at`; undefined when it pointed nowhere then. */
  aliasAt(model: string, alias: string, at: number): Promise<number | undefined>;
}

/** The channel PostgreSQL notifies on every registry change (docs/registry.md). */
export const registryChannel = "gantry_registry";

/** The registry store over any SQL executor: the same SQL on SQLite and PostgreSQL. */
export function createRegistryStore(executor: SqlExecutor): RegistryStore {
  // Registry writes are rare admin actions: one global lock (the migration lock's transaction) makes allocating
  // history ids and version numbers race-free across replicas without a dialect-specific sequence.
  const write = <T>(apply: (transaction: SqlStatements, record: (entry: Omit<RegistryHistoryRow, "id">) => Promise<void>) => Promise<T>): Promise<T> => {
    let result: T | undefined;
    return executor
      .withMigrationLock(async (transaction) => {
        const record = async (entry: Omit<RegistryHistoryRow, "id">): Promise<void> => {
          const rows = await transaction.all("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM model_registry_history");
          const id = Number(rows[0]?.["id"] ?? 1);
          await transaction.run("INSERT INTO model_registry_history (id, model, at, actor, action, target, before_value, after_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            id,
            entry.model,
            entry.at,
            entry.actor,
            entry.action,
            entry.target,
            entry.before_value,
            entry.after_value,
          ]);
          // Delivered on commit, to every replica listening.
          if (executor.dialect === "postgres") await transaction.all("SELECT pg_notify(?, ?)", [registryChannel, String(id)]);
        };
        result = await apply(transaction, record);
      })
      .then(() => result as T);
  };

  const aliasVersion = async (transaction: Pick<SqlStatements, "all">, model: string, alias: string): Promise<number | undefined> => {
    const rows = await transaction.all("SELECT version FROM model_aliases WHERE model = ? AND alias = ?", [model, alias]);
    return rows[0] === undefined ? undefined : Number(rows[0]["version"]);
  };

  const moveAlias = async (
    transaction: SqlStatements,
    record: (entry: Omit<RegistryHistoryRow, "id">) => Promise<void>,
    change: RegistryActor & { model: string; alias: string; version: number | null; action: string },
  ): Promise<RegistryChange> => {
    const before = await aliasVersion(transaction, change.model, change.alias);
    if (change.version === null) await transaction.run("DELETE FROM model_aliases WHERE model = ? AND alias = ?", [change.model, change.alias]);
    else
      await transaction.run(
        "INSERT INTO model_aliases (model, alias, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at",
        [change.model, change.alias, change.version, change.at],
      );
    const result = { before: before === undefined ? null : String(before), after: change.version === null ? null : String(change.version) };
    await record({ model: change.model, at: change.at, actor: change.actor, action: change.action, target: change.alias, before_value: result.before, after_value: result.after });
    return result;
  };

  const insertVersion = async (transaction: SqlStatements, record: (entry: Omit<RegistryHistoryRow, "id">) => Promise<void>, version: NewModelVersion): Promise<number> => {
    const rows = await transaction.all("SELECT COALESCE(MAX(version), 0) + 1 AS version FROM model_versions WHERE model = ?", [version.model]);
    const number = Number(rows[0]?.["version"] ?? 1);
    await transaction.run("INSERT INTO model_versions (model, version, spec, spec_hash, source, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)", [
      version.model,
      number,
      version.spec,
      version.specHash,
      version.source,
      version.at,
      version.actor,
    ]);
    await record({ model: version.model, at: version.at, actor: version.actor, action: "version.create", target: String(number), before_value: null, after_value: version.spec });
    for (const alias of version.aliases) await moveAlias(transaction, record, { model: version.model, alias, version: number, action: "alias.set", actor: version.actor, at: version.at });
    return number;
  };

  const registryStamp = async (): Promise<number> => {
    const rows = await executor.all("SELECT COALESCE(MAX(id), 0) AS stamp FROM model_registry_history");
    return Number(rows[0]?.["stamp"] ?? 0);
  };

  return {
    registryStamp,
    async loadRegistry() {
      // The stamp is read first: a change landing between the reads makes the next poll reload again, never miss it.
      const stamp = await registryStamp();
      const [versions, aliases, splits] = await Promise.all([
        executor.all("SELECT model, version, spec, spec_hash, source, created_at, created_by FROM model_versions ORDER BY model, version"),
        executor.all("SELECT model, alias, version, updated_at FROM model_aliases"),
        executor.all("SELECT model, weights, updated_at FROM model_splits"),
      ]);
      return { stamp, versions: versions.map(toVersionRow), aliases: aliases.map(toAliasRow), splits: splits.map(toSplitRow) };
    },
    createModelVersion: (version) => write((transaction, record) => insertVersion(transaction, record, version)),
    syncConfigVersion: (version) =>
      write(async (transaction, record) => {
        const rows = await transaction.all("SELECT version, spec_hash FROM model_versions WHERE model = ? AND source = 'config' ORDER BY version DESC LIMIT 1", [version.model]);
        const latest = rows[0];
        if (latest !== undefined && String(latest["spec_hash"]) === version.specHash) {
          const number = Number(latest["version"]);
          if ((await aliasVersion(transaction, version.model, "prod")) === undefined) {
            await moveAlias(transaction, record, { model: version.model, alias: "prod", version: number, action: "alias.set", actor: version.actor, at: version.at });
          }
          return { version: number, created: false };
        }
        return { version: await insertVersion(transaction, record, { ...version, source: "config", aliases: ["prod"] }), created: true };
      }),
    setModelAlias: (change) => write((transaction, record) => moveAlias(transaction, record, change)),
    setModelSplit: (change) =>
      write(async (transaction, record) => {
        const rows = await transaction.all("SELECT weights FROM model_splits WHERE model = ?", [change.model]);
        const before = rows[0] === undefined ? null : String(rows[0]["weights"]);
        if (change.weights === null) await transaction.run("DELETE FROM model_splits WHERE model = ?", [change.model]);
        else
          await transaction.run(
            "INSERT INTO model_splits (model, weights, updated_at) VALUES (?, ?, ?) ON CONFLICT (model) DO UPDATE SET weights = excluded.weights, updated_at = excluded.updated_at",
            [change.model, change.weights, change.at],
          );
        await record({ model: change.model, at: change.at, actor: change.actor, action: "split.set", target: null, before_value: before, after_value: change.weights });
        return { before, after: change.weights };
      }),
    async previousAliasVersion(model, alias) {
      const rows = await executor.all("SELECT before_value FROM model_registry_history WHERE model = ? AND target = ? AND action LIKE 'alias.%' ORDER BY at DESC, id DESC LIMIT 1", [model, alias]);
      const before = rows[0]?.["before_value"];
      return before === null || before === undefined ? undefined : Number(before);
    },
    async modelHistory(model, at, limit = 500) {
      const params: SqlValue[] = [model];
      if (at !== undefined) params.push(at);
      params.push(limit);
      const rows = await executor.all(
        `SELECT id, model, at, actor, action, target, before_value, after_value FROM model_registry_history WHERE model = ? ${at === undefined ? "" : "AND at <= ?"} ORDER BY at DESC, id DESC LIMIT ?`,
        params,
      );
      return rows.map(toHistoryRow);
    },
    async aliasAt(model, alias, at) {
      const rows = await executor.all("SELECT after_value FROM model_registry_history WHERE model = ? AND target = ? AND action LIKE 'alias.%' AND at <= ? ORDER BY at DESC, id DESC LIMIT 1", [model, alias, at]);
      const after = rows[0]?.["after_value"];
      return after === null || after === undefined ? undefined : Number(after);
    },
  };
}


function toVersionRow(row: SqlRow): ModelVersionRow {
  return {
    model: String(row["model"]),
    version: Number(row["version"]),
    spec: String(row["spec"]),
    spec_hash: String(row["spec_hash"]),
    source: String(row["source"]),
    created_at: Number(row["created_at"]),
    created_by: String(row["created_by"]),
  };
}

function toAliasRow(row: SqlRow): ModelAliasRow {
  return { model: String(row["model"]), alias: String(row["alias"]), version: Number(row["version"]), updated_at: Number(row["updated_at"]) };
}

function toSplitRow(row: SqlRow): ModelSplitRow {
  return { model: String(row["model"]), weights: String(row["weights"]), updated_at: Number(row["updated_at"]) };
}

function toHistoryRow(row: SqlRow): RegistryHistoryRow {
  return {
    id: Number(row["id"]),
    model: String(row["model"]),
    at: Number(row["at"]),
    actor: String(row["actor"]),
    action: String(row["action"]),
    target: textOrNull(row["target"]),
    before_value: textOrNull(row["before_value"]),
    after_value: textOrNull(row["after_value"]),
  };
}
