import type { SqlExecutor } from "./sql-executor.js";

/** One schema step; statements are plain SQL that SQLite and PostgreSQL both accept. */
export interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
}

// Append only: a released migration never changes, a new version adds what is needed.
export const migrations: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE requests (
        id TEXT PRIMARY KEY,
        time BIGINT NOT NULL,
        path TEXT NOT NULL,
        key_id TEXT,
        team TEXT,
        model TEXT,
        deployment TEXT,
        answered_by TEXT,
        stream INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        status INTEGER NOT NULL,
        error_code TEXT,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL,
        ttft_ms DOUBLE PRECISION,
        latency_ms DOUBLE PRECISION NOT NULL,
        upstream_ms DOUBLE PRECISION,
        cache TEXT,
        finish_reason TEXT,
        request_body TEXT,
        response_body TEXT
      )`,
      // Listing and keyset pagination (newest first), retention pruning.
      "CREATE INDEX requests_time ON requests (time, id)",
      "CREATE INDEX requests_key_time ON requests (key_id, time)",
      "CREATE INDEX requests_team_time ON requests (team, time)",
      // /admin/stats reads these covering indexes alone, in (model, value) order: grouped counts for percentiles and
      // the per-model sums come out of one scan each, without touching the table or sorting.
      "CREATE INDEX requests_model_latency ON requests (model, latency_ms, time, status, prompt_tokens, completion_tokens, cached_tokens, cost_usd)",
      "CREATE INDEX requests_model_ttft ON requests (model, ttft_ms, time)",
      `CREATE TABLE feedback (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        time BIGINT NOT NULL,
        model TEXT,
        score DOUBLE PRECISION,
        thumbs TEXT,
        label TEXT,
        comment TEXT
      )`,
      "CREATE INDEX feedback_request ON feedback (request_id)",
      "CREATE INDEX feedback_time ON feedback (time, model)",
    ],
  },
  {
    // Row ids are the server's own; a client's x-request-id is kept beside them, so repeated client ids keep every row.
    version: 2,
    statements: ["ALTER TABLE requests ADD COLUMN client_request_id TEXT", "CREATE INDEX requests_client_request_id ON requests (client_request_id, time)"],
  },
  {
    // Stored Responses API responses (POST /v1/responses with store: true), per tenant, until they expire.
    version: 3,
    statements: [
      `CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        time BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        response TEXT NOT NULL,
        conversation TEXT NOT NULL
      )`,
      "CREATE INDEX responses_expires_at ON responses (expires_at)",
    ],
  },
  {
    // Per-minute request rollups (rollup-row.ts): each replica upserts its own rows, readers sum across replicas.
    version: 4,
    statements: [
      `CREATE TABLE request_rollups (
        id TEXT PRIMARY KEY,
        minute BIGINT NOT NULL,
        replica TEXT NOT NULL,
        model TEXT NOT NULL,
        version TEXT NOT NULL,
        deployment TEXT NOT NULL,
        key_id TEXT NOT NULL,
        team TEXT NOT NULL,
        outcome TEXT NOT NULL,
        error_type TEXT NOT NULL,
        requests INTEGER NOT NULL,
        prompt_tokens BIGINT NOT NULL,
        completion_tokens BIGINT NOT NULL,
        cached_tokens BIGINT NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL,
        latency_hist TEXT NOT NULL,
        ttft_hist TEXT NOT NULL,
        tpot_hist TEXT NOT NULL
      )`,
      "CREATE INDEX request_rollups_minute ON request_rollups (minute)",
      "CREATE INDEX request_rollups_model_minute ON request_rollups (model, minute)",
      // The same rows summed over deployment, key, team and error type (those columns hold ""): /admin/stats and
      // model SLOs read a few rows per minute here, however many keys and teams send traffic.
      `CREATE TABLE request_rollups_by_model (
        id TEXT PRIMARY KEY,
        minute BIGINT NOT NULL,
        replica TEXT NOT NULL,
        model TEXT NOT NULL,
        version TEXT NOT NULL,
        deployment TEXT NOT NULL,
        key_id TEXT NOT NULL,
        team TEXT NOT NULL,
        outcome TEXT NOT NULL,
        error_type TEXT NOT NULL,
        requests INTEGER NOT NULL,
        prompt_tokens BIGINT NOT NULL,
        completion_tokens BIGINT NOT NULL,
        cached_tokens BIGINT NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL,
        latency_hist TEXT NOT NULL,
        ttft_hist TEXT NOT NULL,
        tpot_hist TEXT NOT NULL
      )`,
      "CREATE INDEX request_rollups_by_model_minute ON request_rollups_by_model (minute)",
      "CREATE INDEX request_rollups_by_model_model_minute ON request_rollups_by_model (model, minute)",
    ],
  },
  {
    // SLO burn-rate alerts (src/alerts/): each alert's current state, its notification history, and the lease that
    // lets one replica evaluate and send them.
    version: 5,
    statements: [
      `CREATE TABLE alert_state (
        fingerprint TEXT PRIMARY KEY,
        slo TEXT NOT NULL,
        window_name TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        since BIGINT NOT NULL,
        evaluated_at BIGINT NOT NULL,
        notified_status TEXT,
        notified_at BIGINT,
        alert TEXT NOT NULL
      )`,
      `CREATE TABLE alert_history (
        id TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        time BIGINT NOT NULL,
        status TEXT NOT NULL,
        alert TEXT NOT NULL
      )`,
      "CREATE INDEX alert_history_time ON alert_history (time, id)",
      `CREATE TABLE alert_leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    // Drift samples (src/drift/): bounded reservoirs per replica, model version and time bucket, one row per slot.
    version: 6,
    statements: [
      `CREATE TABLE drift_samples (
        id TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        version TEXT NOT NULL,
        time BIGINT NOT NULL,
        draw DOUBLE PRECISION NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        ttft_ms DOUBLE PRECISION,
        language TEXT NOT NULL,
        script TEXT NOT NULL,
        finish_reason TEXT NOT NULL,
        refusal INTEGER NOT NULL,
        error_type TEXT NOT NULL
      )`,
      // A window's samples of one model version; retention pruning by time.
      "CREATE INDEX drift_samples_series ON drift_samples (model, version, time)",
      "CREATE INDEX drift_samples_time ON drift_samples (time)",
    ],
  },
  {
    // Evaluation runs (gantry eval): one row per run, one per scored (item, repeat), named baselines with their
    // history, and the answers cache that makes reruns free.
    version: 7,
    statements: [
      `CREATE TABLE eval_runs (
        id TEXT PRIMARY KEY,
        suite_name TEXT NOT NULL,
        suite_hash TEXT NOT NULL,
        seed BIGINT NOT NULL,
        repeats INTEGER NOT NULL,
        item_count INTEGER NOT NULL,
        target TEXT NOT NULL,
        model TEXT,
        model_version TEXT,
        deployment TEXT,
        started_at BIGINT NOT NULL,
        finished_at BIGINT
      )`,
      "CREATE INDEX eval_runs_suite_target ON eval_runs (suite_hash, target, started_at)",
      `CREATE TABLE eval_items (
        run_id TEXT NOT NULL,
        item_key TEXT NOT NULL,
        repeat_index INTEGER NOT NULL,
        pass INTEGER NOT NULL,
        score DOUBLE PRECISION NOT NULL,
        assertions TEXT NOT NULL,
        output TEXT NOT NULL,
        error TEXT,
        latency_ms DOUBLE PRECISION NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cost_usd DOUBLE PRECISION NOT NULL,
        model TEXT,
        model_version TEXT,
        deployment TEXT,
        cached INTEGER NOT NULL,
        finished_at BIGINT NOT NULL,
        PRIMARY KEY (run_id, item_key, repeat_index)
      )`,
      `CREATE TABLE eval_baselines (
        name TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at BIGINT NOT NULL
      )`,
      `CREATE TABLE eval_baseline_history (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        run_id TEXT NOT NULL,
        previous_run_id TEXT,
        set_by TEXT NOT NULL,
        set_at BIGINT NOT NULL
      )`,
      "CREATE INDEX eval_baseline_history_name ON eval_baseline_history (name, set_at)",
      `CREATE TABLE eval_answer_cache (
        key TEXT PRIMARY KEY,
        answer TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    // The Batch API (docs/batches.md): uploaded files, batches, their lines (each result committed with its line) and the
    // chunk lease table that any replica claims work from.
    version: 8,
    statements: [
      `CREATE TABLE batch_files (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        purpose TEXT NOT NULL,
        filename TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      "CREATE INDEX batch_files_tenant ON batch_files (tenant, created_at, id)",
      `CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        principal TEXT,
        endpoint TEXT NOT NULL,
        input_file_id TEXT NOT NULL,
        completion_window TEXT NOT NULL,
        status TEXT NOT NULL,
        end_status TEXT,
        metadata TEXT,
        errors TEXT,
        output_file_id TEXT,
        error_file_id TEXT,
        total INTEGER NOT NULL,
        completed INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        in_progress_at BIGINT,
        finalizing_at BIGINT,
        completed_at BIGINT,
        failed_at BIGINT,
        expired_at BIGINT,
        cancelling_at BIGINT,
        cancelled_at BIGINT,
        lease_owner TEXT,
        lease_expires_at BIGINT NOT NULL
      )`,
      "CREATE INDEX batches_tenant ON batches (tenant, created_at, id)",
      "CREATE INDEX batches_status ON batches (status, lease_expires_at)",
      `CREATE TABLE batch_lines (
        id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL,
        line INTEGER NOT NULL,
        chunk INTEGER NOT NULL,
        custom_id TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        body TEXT NOT NULL,
        state TEXT NOT NULL,
        outcome TEXT,
        result TEXT
      )`,
      "CREATE INDEX batch_lines_chunk ON batch_lines (batch_id, chunk, state)",
      "CREATE INDEX batch_lines_order ON batch_lines (batch_id, line)",
      `CREATE TABLE batch_chunks (
        id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL,
        chunk INTEGER NOT NULL,
        state TEXT NOT NULL,
        owner TEXT,
        lease_expires_at BIGINT NOT NULL
      )`,
      "CREATE INDEX batch_chunks_claim ON batch_chunks (state, lease_expires_at)",
      "CREATE INDEX batch_chunks_batch ON batch_chunks (batch_id, state)",
    ],
  },
  {
    // The model registry (docs/registry.md): immutable versions, aliases, traffic splits and the history of every
    // change; ids and version numbers are allocated under the registry's write lock, so no dialect's sequence is needed.
    version: 9,
    statements: [
      `CREATE TABLE model_versions (
        model TEXT NOT NULL,
        version INTEGER NOT NULL,
        spec TEXT NOT NULL,
        spec_hash TEXT NOT NULL,
        source TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        PRIMARY KEY (model, version)
      )`,
      `CREATE TABLE model_aliases (
        model TEXT NOT NULL,
        alias TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (model, alias)
      )`,
      "CREATE TABLE model_splits (model TEXT PRIMARY KEY, weights TEXT NOT NULL, updated_at BIGINT NOT NULL)",
      `CREATE TABLE model_registry_history (
        id BIGINT PRIMARY KEY,
        model TEXT NOT NULL,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        before_value TEXT,
        after_value TEXT
      )`,
      // "Which version was prod at time T": the newest change of one alias at or before T.
      "CREATE INDEX model_registry_history_target ON model_registry_history (model, target, at, id)",
      "ALTER TABLE requests ADD COLUMN model_version TEXT",
      "CREATE INDEX requests_model_version_time ON requests (model, model_version, time)",
    ],
  },
  {
    // Progressive delivery (docs/registry.md): shadow comparisons and the canary analyses' state.
    version: 10,
    statements: [
      `CREATE TABLE shadow_comparisons (
        id TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        primary_version TEXT NOT NULL,
        shadow_version TEXT NOT NULL,
        at BIGINT NOT NULL,
        scorer TEXT NOT NULL,
        score DOUBLE PRECISION,
        agree INTEGER,
        request TEXT NOT NULL,
        primary_output TEXT NOT NULL,
        shadow_output TEXT,
        shadow_latency_ms DOUBLE PRECISION NOT NULL,
        shadow_cost_usd DOUBLE PRECISION NOT NULL,
        error TEXT
      )`,
      "CREATE INDEX shadow_comparisons_model_at ON shadow_comparisons (model, shadow_version, at)",
      `CREATE TABLE canary_runs (
        model TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL,
        weight DOUBLE PRECISION NOT NULL,
        failures INTEGER NOT NULL,
        inconclusives INTEGER NOT NULL,
        started_at BIGINT NOT NULL,
        step_started_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        last_analysis TEXT
      )`,
    ],
  },
  {
    // Eval gate verdicts (gantry eval gate), keyed by the model version the candidate run was answered by: the
    // registry's promotion precondition reads the newest one (docs/registry.md#promotion-preconditions).
    version: 12,
    statements: [
      `CREATE TABLE eval_gate_verdicts (
        id TEXT PRIMARY KEY,
        baseline TEXT NOT NULL,
        baseline_run_id TEXT NOT NULL,
        candidate_run_id TEXT NOT NULL,
        suite_name TEXT NOT NULL,
        model TEXT,
        model_version TEXT,
        verdict TEXT NOT NULL,
        reason TEXT NOT NULL,
        at BIGINT NOT NULL
      )`,
      "CREATE INDEX eval_gate_verdicts_version ON eval_gate_verdicts (model, model_version, baseline, at)",
    ],
  },
];

/** The newest schema version this build knows. */
export const latestSchemaVersion = migrations.at(-1)?.version ?? 0;

/**
 * Brings the schema up to date; safe when several processes start on the same database at once. Everything, the
 * version table included, runs in one transaction under the migration lock: a failed step leaves the schema and its
 * version as they were, and a second starter waits, then finds nothing left to do.
 */
export async function migrate(executor: SqlExecutor, steps: readonly Migration[] = migrations): Promise<void> {
  const latest = steps.at(-1)?.version ?? 0;
  await executor.withMigrationLock(async (transaction) => {
    await transaction.run("CREATE TABLE IF NOT EXISTS gantry_schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
    const rows = await transaction.all("SELECT MAX(version) AS version FROM gantry_schema_version");
    const current = Number(rows[0]?.["version"] ?? 0);
    if (current > latest) throw new Error(`the database schema (version ${current}) is newer than this gantry (version ${latest})`);
    for (const migration of steps) {
      if (migration.version <= current) continue;
      for (const statement of migration.statements) await transaction.run(statement);
      await transaction.run("INSERT INTO gantry_schema_version (version, applied_at) VALUES (?, ?)", [migration.version, Date.now()]);
    }
  });
}
