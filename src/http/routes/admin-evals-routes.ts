import { z } from "zod";
import { clipClientText } from "../../errors/clip-client-text.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { EvalStore, RunSummary, StoredItem } from "../../evals/eval-store.js";
import { runFigures } from "../../evals/run-summary.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";
import { decodeCursor, encodeCursor, parseQuery } from "./admin-requests-routes.js";

const listSchema = z.strictObject({
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const runView = (run: RunSummary): Record<string, unknown> => ({
  id: run.runId,
  suite: run.suiteName,
  target: run.target,
  started_at: run.startedAt,
  finished_at: run.finishedAt ?? null,
  answers: run.answers,
  passed: run.passed,
  pass_rate: run.answers === 0 ? null : run.passed / run.answers,
  cost_usd: run.costUsd,
});

const itemView = (item: StoredItem): Record<string, unknown> => ({
  item_key: item.itemKey,
  repeat: item.repeat,
  pass: item.pass,
  score: item.score,
  assertions: item.assertions,
  output: item.output,
  error: item.error ?? null,
  latency_ms: item.latencyMs,
  prompt_tokens: item.promptTokens,
  completion_tokens: item.completionTokens,
  cost_usd: item.costUsd,
  model: item.model ?? null,
  model_version: item.modelVersion ?? null,
  cached: item.cached,
});

/** GET /admin/evals/runs (newest first, paginated), /admin/evals/runs/:id (one run with its items) and /admin/evals/baselines: read-only views of the eval store (docs/api.md). */
export function createAdminEvalsRoutes(store: Pick<EvalStore, "listRuns" | "loadRun" | "listBaselines">): Map<string, MethodHandlers> {
  return new Map<string, MethodHandlers>([
    [
      "/admin/evals/runs",
      {
        GET: async (context) => {
          const query = parseQuery(context, listSchema);
          const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
          const runs = await store.listRuns(query.limit, before === undefined ? undefined : { startedAt: before.time, runId: before.id });
          const last = runs.at(-1);
          sendJson(context.response, 200, { object: "list", data: runs.map(runView), next_cursor: runs.length === query.limit && last !== undefined ? encodeCursor(last.startedAt, last.runId) : null });
        },
      },
    ],
    [
      "/admin/evals/runs/:id",
      {
        GET: async (context) => {
          const id = context.params["id"] ?? "";
          const run = await store.loadRun(id);
          if (run === undefined) throw new GatewayError("not_found", { message: `No eval run has the id "${clipClientText(id)}".` });
          const figures = runFigures(run);
          sendJson(context.response, 200, {
            object: "eval_run",
            id: run.runId,
            suite: run.suiteName,
            suite_hash: run.suiteHash,
            seed: run.seed,
            target: run.target,
            model: run.model ?? null,
            model_version: run.modelVersion ?? null,
            deployment: run.deployment ?? null,
            started_at: run.startedAt,
            finished_at: run.finishedAt ?? null,
            answers: figures.answers,
            passed: figures.passed,
            pass_rate: figures.answers === 0 ? null : figures.passed / figures.answers,
            errors: figures.errors,
            mean_score: figures.meanScore,
            cost_usd: figures.costUsd,
            mean_latency_ms: figures.meanLatencyMs,
            flaky_items: figures.flakyItems,
            items: run.items.map(itemView),
          });
        },
      },
    ],
    [
      "/admin/evals/baselines",
      {
        GET: async (context) =>
          sendJson(context.response, 200, {
            object: "list",
            data: (await store.listBaselines()).map((baseline) => ({ name: baseline.name, run_id: baseline.runId, set_by: baseline.setBy, set_at: baseline.setAt })),
          }),
      },
    ],
  ]);
}
