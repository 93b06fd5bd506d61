import { performance } from "node:perf_hooks";
import { createRollupAggregator } from "../../src/slo/rollup-aggregator.js";
import { createGatewayStore } from "../../src/store/gateway-store.js";
import { storedLatency, type RequestRow } from "../../src/store/request-row.js";
import type { SqlExecutor } from "../../src/store/sql-executor.js";

/** What a seeding run wrote. */
export interface SeededRequests {
  /** Rows in the full-series and the model-level rollup tables. */
  rollupRows: { series: number; byModel: number };
  seedSeconds: number;
}

const batchSize = 20_000;
const models = ["gpt-large", "gpt-small", "llama-8b", "embedder"];

/**
 * Seeds `rows` request-log rows spread evenly over `spanMs` before `end` (a minute boundary), with the per-minute
 * rollups the gateway would have written for them: the real aggregator is fed the same end-of-request facts the
 * observer gives it and flushed as each minute closes. Bulk inserts, one transaction per batch of 20,000 rows.
 * The executor is migrated first and closed at the end.
 */
export async function seedRequests(executor: SqlExecutor, options: { rows: number; spanMs: number; end: number }): Promise<SeededRequests> {
  const { rows: rowCount, spanMs, end } = options;
  const started = performance.now();
  const seeder = createGatewayStore(executor);
  await seeder.migrate();
  const start = end - spanMs;
  let now = start;
  const aggregator = createRollupAggregator({ store: seeder, replica: "bench", now: () => now, flushIntervalMs: 0, schedule: () => () => undefined, onError: (error) => { throw error; } });
  let seed = 1;
  const random = (): number => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
  let lastMinute = Math.floor(start / 60_000);
  for (let first = 0; first < rowCount; first += batchSize) {
    const batch: RequestRow[] = [];
    for (let index = first; index < Math.min(rowCount, first + batchSize); index++) {
      const time = start + Math.floor((index / rowCount) * spanMs);
      const latency = 20 + 5000 * random() * random();
      const failed = index % 97 === 0;
      const row: RequestRow = {
        id: `seed-${index}`, client_request_id: null, time, path: "/v1/chat/completions", key_id: `key-${index % 50}`, team: `team-${index % 5}`,
        model: models[index % models.length] ?? null, model_version: null, deployment: null, answered_by: null, stream: index % 2 === 0, attempts: 1, status: failed ? 502 : 200, error_code: failed ? "upstream_error" : null,
        prompt_tokens: 100 + (index % 400), completion_tokens: 50 + (index % 300), cached_tokens: 0, cost_usd: 0.0004, ttft_ms: index % 2 === 0 ? storedLatency(latency / 4) : null,
        latency_ms: storedLatency(latency), upstream_ms: storedLatency(latency - 1), cache: null, finish_reason: "stop", request_body: null, response_body: null,
      };
      batch.push(row);
      now = time;
      const minute = Math.floor(time / 60_000);
      // The minute closed: write it, as the gateway's flush job would.
      if (minute !== lastMinute) {
        lastMinute = minute;
        await aggregator.flush();
      }
      aggregator.record({
        endedAt: time, path: "/v1/chat/completions", model: row.model ?? "", version: "", deployment: "", keyId: row.key_id ?? "", team: row.team ?? "", status: row.status, errorCode: row.error_code ?? "",
        promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens, cachedTokens: 0, costUsd: row.cost_usd, latencyMs: latency, ttftMs: row.ttft_ms ?? undefined, tpotMs: undefined, finishReason: "",
      });
    }
    await seeder.insertRequests(batch);
  }
  now = end + 60_000;
  await aggregator.close();
  const count = async (table: string): Promise<number> => Number((await executor.all(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.["n"] ?? 0);
  const rollupRows = { series: await count("request_rollups"), byModel: await count("request_rollups_by_model") };
  await seeder.close();
  return { rollupRows, seedSeconds: Math.round(performance.now() - started) / 1000 };
}
