import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EvalStore, StoredItem } from "../../src/evals/eval-store.js";
import { openEvalStore } from "../../src/evals/open-eval-store.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

const item = (itemKey: string, repeat: number, pass: boolean, overrides: Partial<StoredItem> = {}): StoredItem => ({
  itemKey,
  repeat,
  pass,
  score: pass ? 1 : 0.25,
  assertions: [{ type: "equals", pass, score: pass ? 1 : 0, ...(pass ? {} : { reason: "expected 4" }) }],
  output: pass ? "4" : "5",
  latencyMs: 12.5,
  promptTokens: 7,
  completionTokens: 1,
  costUsd: 0.000123,
  model: "story",
  modelVersion: "v2",
  deployment: "story/0",
  cached: false,
  ...overrides,
});

const backends = [
  { name: "SQLite", start: async () => ({ database: { path: join(mkdtempSync(join(tmpdir(), "gantry-evals-store-")), "evals.db") }, stop: async () => undefined }) },
  {
    name: "PostgreSQL",
    start: async () => {
      const server: PostgresServer = await startPostgres();
      return { database: { path: "unused", url: server.url }, stop: () => server.stop() };
    },
  },
];

describe.each(backends)("eval store on $name", (backend) => {
  let store: EvalStore;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const started = await backend.start();
    stop = started.stop;
    store = await openEvalStore(started.database);
  }, 40_000);

  afterAll(async () => {
    await store.close();
    await stop();
  });

  it("stores each (item, repeat) once, resumes the unfinished run, and reads the run back", async () => {
    const identity = { suiteHash: "abc", target: "story", seed: 7, repeats: 2 };
    const runId = await store.createRun({ suiteName: "sums", ...identity, itemCount: 2, startedAt: 1000 });
    expect(await store.findUnfinishedRun(identity)).toBe(runId);
    expect(await store.findUnfinishedRun({ ...identity, seed: 8 })).toBeUndefined();
    expect(await store.saveItem(runId, item("a", 0, true), 1100)).toBe(true);
    expect(await store.saveItem(runId, item("a", 0, false), 1200)).toBe(false);
    expect(await store.saveItem(runId, item("a", 1, false), 1300)).toBe(true);
    expect(await store.saveItem(runId, item("b", 0, false, { error: "HTTP 503", model: undefined, modelVersion: undefined, deployment: undefined }), 1400)).toBe(true);
    expect([...(await store.finishedPairs(runId))].sort()).toEqual(["a\u00000", "a\u00001", "b\u00000"]);
    await store.finishRun(runId, 2000);
    expect(await store.findUnfinishedRun(identity)).toBeUndefined();

    const run = await store.loadRun(runId);
    expect(run).toMatchObject({ runId, suiteName: "sums", suiteHash: "abc", seed: 7, target: "story", model: "story", modelVersion: "v2", deployment: "story/0", startedAt: 1000, finishedAt: 2000 });
    expect(run?.items).toEqual([item("a", 0, true), item("a", 1, false), item("b", 0, false, { error: "HTTP 503", model: undefined, modelVersion: undefined, deployment: undefined })]);
    expect(await store.loadRun("run_missing")).toBeUndefined();
  });

  it("moves baselines with history and keeps the answer cache", async () => {
    const [run] = await store.listRuns(1);
    if (run === undefined) throw new Error("no run");
    // The listing sums each run's stored answers (the admin API's pass rate and cost).
    expect(run).toMatchObject({ answers: 3, passed: 1 });
    expect(await store.listRuns(1, { startedAt: run.startedAt, runId: run.runId })).toEqual([]);
    await store.setBaseline("main", run.runId, "alice", 10);
    await store.setBaseline("main", "run_other", "bob", 20);
    expect(await store.baselineRun("main")).toBe("run_other");
    expect((await store.baselineHistory("main")).map((row) => [row.previousRunId, row.runId, row.setBy])).toEqual([
      [undefined, run.runId, "alice"],
      [run.runId, "run_other", "bob"],
    ]);
    await store.cacheAnswer("k", '{"output":"4"}', 1);
    await store.cacheAnswer("k", '{"output":"5"}', 2);
    expect(await store.cachedAnswer("k")).toBe('{"output":"4"}');
    expect(await store.cachedAnswer("nope")).toBeUndefined();
  });
});
