import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchAccounting, chatBatchLines, createChatBatch, pollBatch } from "../helpers/batch-files.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { exited, listening, runGantry, stdoutMatch } from "../helpers/gantry-process.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

let upstream: FakeUpstream;
let postgres: PostgresServer;
let directory: string;

beforeAll(async () => {
  [upstream, postgres] = await Promise.all([startFakeUpstream(), startPostgres()]);
  upstream.defaultBehavior = { kind: "ok", delayMs: 200 };
  directory = mkdtempSync(join(tmpdir(), "gantry-batch-pg-"));
}, 60_000);
afterAll(async () => {
  await upstream.close();
  await postgres.stop();
});

describe("two gateways sharing PostgreSQL", () => {
  it("killing the replica that holds a chunk's lease: the other takes the chunk over and finishes the batch", async () => {
    const config = join(directory, "gantry.yaml");
    writeFileSync(
      config,
      `server: { port: 0 }
database: { url: "${postgres.url}" }
batch: { files_dir: "${join(directory, "files")}", chunk_lines: 4, lease_ms: 1000, poll_ms: 100, chunks_per_worker: 1, min_concurrency: 1, max_concurrency: 1 }
models:
  - name: story
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
`,
    );
    const database = new pg.Client({ connectionString: postgres.url });
    await database.connect();
    const replicas = [0, 1].map(() => {
      const child = runGantry(["serve", "--config", config]);
      // Each replica logs its worker id: the owner its leases carry in batch_chunks.
      return { child, exit: exited(child), worker: stdoutMatch(child, /"worker":"(worker-[0-9a-f]+)"/).then((match) => match[1]), url: listening(child) };
    });
    try {
      const clients = await Promise.all(replicas.map(async (replica) => new OpenAI({ baseURL: `${await replica.url}/v1`, apiKey: "unused", maxRetries: 0 })));
      const workers = await Promise.all(replicas.map((replica) => replica.worker));
      const id = await createChatBatch(clients[0] as OpenAI, chatBatchLines(16));
      // Both replicas claim chunks; once a chunk is leased with lines still to run, kill the replica holding it.
      let held: { id: string; owner: string } | undefined;
      while (held === undefined) {
        const live = await database.query<{ id: string; owner: string }>("SELECT id, owner FROM batch_chunks WHERE batch_id = $1 AND state = 'pending' AND lease_expires_at > $2 ORDER BY id LIMIT 1", [id, Date.now()]);
        held = live.rows[0];
        if (held === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const victim = workers.indexOf(held.owner);
      expect(victim).toBeGreaterThanOrEqual(0);
      replicas[victim]?.child.kill("SIGKILL");
      await replicas[victim]?.exit;
      const survivor = clients[1 - victim] as OpenAI;
      const done = await pollBatch(survivor, id, (batch) => batch.status === "completed");
      const chunk = await database.query<{ state: string }>("SELECT state FROM batch_chunks WHERE id = $1", [held.id]);
      const { appearances } = await batchAccounting(survivor, done);
      process.stdout.write(`postgres takeover: killed ${held.owner} holding chunk ${held.id}; ${workers[1 - victim]} finished it (${chunk.rows[0]?.state}); counts ${JSON.stringify(done.request_counts)}\n`);
      expect(chunk.rows[0]?.state).toBe("done");
      expect(done.request_counts).toEqual({ total: 16, completed: 16, failed: 0 });
      expect(appearances.size).toBe(16);
      expect([...appearances.values()].every((count) => count === 1)).toBe(true);
    } finally {
      for (const replica of replicas) replica.child.kill("SIGKILL");
      await Promise.all(replicas.map((replica) => replica.exit));
      await database.end();
    }
  }, 150_000);
});

