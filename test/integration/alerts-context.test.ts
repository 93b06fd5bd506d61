import { afterEach, describe, expect, it } from "vitest";
import { createRequestLogContext } from "../../src/alerts/request-log-context.js";
import type { RequestRow } from "../../src/store/request-row.js";
import { createRequestStore } from "../../src/store/request-store.js";
import type { SqlExecutor } from "../../src/store/sql-executor.js";
import { openSqlite, tempDatabasePath } from "../helpers/alert-database.js";

function row(id: string, time: number, model: string, errorCode: string | null, team: string | null = null): RequestRow {
  return {
    id, client_request_id: null, time, path: "/v1/chat/completions", key_id: null, team, model, model_version: null, deployment: null, answered_by: null,
    stream: false, attempts: 1, status: errorCode === null ? 200 : 502, error_code: errorCode, prompt_tokens: 1, completion_tokens: 1,
    cached_tokens: 0, cost_usd: 0, ttft_ms: null, latency_ms: 5, upstream_ms: null, cache: null, finish_reason: null, request_body: null, response_body: null,
  };
}

describe("the request-log alert context", () => {
  let executor: SqlExecutor | undefined;
  afterEach(async () => {
    await executor?.close();
  });

  it("counts the SLO's error codes in the window, most frequent first", async () => {
    executor = await openSqlite(tempDatabasePath());
    await createRequestStore(executor).insertRequests([
      row("1", 1000, "story", "upstream_timeout"),
      row("2", 1100, "story", "upstream_timeout", "ml"),
      row("3", 1200, "story", "upstream_error"),
      row("4", 1300, "story", null),
      row("5", 1400, "other", "upstream_error"),
      row("6", 5000, "story", "upstream_error"),
    ]);
    const source = createRequestLogContext(executor);
    expect(await source.context({ model: "story", version: "v1" }, 0, 2000)).toEqual({
      topErrors: [
        { type: "upstream_timeout", count: 2 },
        { type: "upstream_error", count: 1 },
      ],
    });
    expect(await source.context({ model: "story", team: "ml" }, 0, 2000)).toEqual({ topErrors: [{ type: "upstream_timeout", count: 1 }] });
  });
});
