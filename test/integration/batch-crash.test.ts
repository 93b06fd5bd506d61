import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchAccounting, chatBatchLines, createChatBatch, pollBatch } from "../helpers/batch-files.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { exited, listening, runGantry } from "../helpers/gantry-process.js";

let upstream: FakeUpstream;
let directory: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.defaultBehavior = { kind: "ok", delayMs: 150 };
  directory = mkdtempSync(join(tmpdir(), "gantry-batch-crash-"));
});
afterAll(() => upstream.close());

describe("a batch survives kill -9 of the gateway running it", () => {
  it("restarted on the same database, the batch completes and every custom_id appears exactly once", async () => {
    const config = join(directory, "gantry.yaml");
    writeFileSync(
      config,
      `server: { port: 0 }
database: { path: "${join(directory, "gantry.db")}" }
batch: { files_dir: "${join(directory, "files")}", chunk_lines: 5, lease_ms: 1000, poll_ms: 100, min_concurrency: 2, max_concurrency: 2 }
models:
  - name: story
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
`,
    );
    const total = 60;
    const lines = chatBatchLines(total, 10);
    const distinct = new Set(lines.map((line) => JSON.stringify((JSON.parse(line) as { body: unknown }).body))).size;

    const first = runGantry(["serve", "--config", config]);
    const firstExit = exited(first);
    const firstClient = new OpenAI({ baseURL: `${await listening(first)}/v1`, apiKey: "unused", maxRetries: 0 });
    const id = await createChatBatch(firstClient, lines);
    const midway = await pollBatch(firstClient, id, (batch) => batch.request_counts !== undefined && batch.request_counts.completed >= 10 && upstream.openRequests() > 0, 20);
    first.kill("SIGKILL");
    const { code } = await firstExit;
    const callsBeforeKill = upstream.calls.length;

    const second = runGantry(["serve", "--config", config]);
    const secondExit = exited(second);
    try {
      const client = new OpenAI({ baseURL: `${await listening(second)}/v1`, apiKey: "unused", maxRetries: 0 });
      const done = await pollBatch(client, id, (batch) => batch.status === "completed");
      const { appearances, output, errors } = await batchAccounting(client, done);
      const report = {
        lines: total,
        distinct_requests: distinct,
        completed_before_kill: midway.request_counts?.completed,
        upstream_calls_before_kill: callsBeforeKill,
        upstream_calls_total: upstream.calls.length,
        redone_after_kill: upstream.calls.length - distinct,
        output_lines: output,
        error_lines: errors,
        custom_ids: appearances.size,
        custom_ids_not_exactly_once: [...appearances].filter(([, count]) => count !== 1).length,
      };
      process.stdout.write(`batch kill -9 accounting: ${JSON.stringify(report)}\n`);
      expect(code).toBeNull();
      expect(done.request_counts).toEqual({ total, completed: total, failed: 0 });
      expect(output).toBe(total);
      expect(errors).toBe(0);
      expect([...appearances.keys()].sort()).toEqual(lines.map((_line, index) => `r${index}`).sort());
      expect(report.custom_ids_not_exactly_once).toBe(0);
      // Only the lines in flight at the kill (at most max_concurrency) are asked again; committed lines never are.
      expect(report.redone_after_kill).toBeLessThanOrEqual(2);
    } finally {
      second.kill("SIGTERM");
      await secondExit;
    }
  }, 150_000);
});
