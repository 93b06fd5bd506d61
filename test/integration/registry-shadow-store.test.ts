import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateVerdictStore } from "../../src/evals/gate-verdict-store.js";
import { createShadowStore, type ShadowComparison } from "../../src/registry/shadow-store.js";
import type { GatewayStore } from "../../src/store/gateway-store.js";
import { openStore } from "../../src/store/open-store.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

// The shadow comparisons' batched writes and the gate verdicts, on the embedded SQLite store (through its worker
// thread) and on PostgreSQL.
const backends: { name: string; open(): Promise<{ store: GatewayStore; done(): Promise<void> }> }[] = [
  { name: "SQLite", open: async () => ({ store: await openStore({ path: join(mkdtempSync(join(tmpdir(), "gantry-shadow-store-")), "gantry.db") }), done: async () => undefined }) },
  {
    name: "PostgreSQL",
    async open() {
      const server: PostgresServer = await startPostgres();
      return { store: await openStore({ path: "unused", url: server.url }), done: () => server.stop() };
    },
  },
];

const comparison = (index: number): ShadowComparison => ({
  model: "story",
  primary_version: "1",
  shadow_version: "2",
  at: 1_772_000_000_000 + index,
  scorer: "exact",
  score: index % 3 === 2 ? null : index % 3,
  agree: index % 3 === 2 ? null : index % 3 === 1,
  request: `{"n":${index}}`,
  primary_output: `answer ${index}`,
  shadow_output: index % 3 === 2 ? null : `answer ${index}`,
  shadow_latency_ms: 12.5,
  shadow_cost_usd: 0.001,
  error: index % 3 === 2 ? "upstream failed" : null,
});

describe.each(backends)("shadow comparisons and gate verdicts on $name", (backend) => {
  let opened: Awaited<ReturnType<(typeof backends)[number]["open"]>>;
  beforeAll(async () => {
    opened = await backend.open();
  }, 40_000);
  afterAll(async () => {
    await opened.store.close();
    await opened.done();
  });

  it("stores every comparison of a burst (written in multi-row batches) and computes the agreement over the scored ones", async () => {
    const store = createShadowStore(opened.store.sql);
    // 150 at once: more than one batch of 64 is queued behind the first write.
    await Promise.all(Array.from({ length: 150 }, (_, index) => store.insert(comparison(index))));
    const listed = await store.list("story", 1000);
    expect(listed).toHaveLength(150);
    expect(listed[0]).toEqual(comparison(149));
    expect(listed.find((row) => row.request === '{"n":2}')).toEqual(comparison(2));
    expect(await store.agreement("story", "2")).toEqual({ rate: 0.5, comparisons: 100, failed: 50 });
  });

  it("answers the newest gate verdict of a model version against a baseline", async () => {
    const verdicts = createGateVerdictStore(opened.store.sql);
    const base = { baseline: "main", baselineRunId: "run_a", suiteName: "suite", model: "story", reason: "r" } as const;
    await verdicts.record({ ...base, candidateRunId: "run_1", modelVersion: "2", verdict: "regression", at: 1000 });
    await verdicts.record({ ...base, candidateRunId: "run_2", modelVersion: "2", verdict: "pass", at: 2000 });
    await verdicts.record({ ...base, candidateRunId: "run_3", modelVersion: "3", verdict: "inconclusive", at: 3000 });
    expect(await verdicts.latest("story", "2", "main")).toEqual({ ...base, candidateRunId: "run_2", modelVersion: "2", verdict: "pass", at: 2000 });
    expect((await verdicts.latest("story", "3", "main"))?.verdict).toBe("inconclusive");
    expect(await verdicts.latest("story", "2", "other")).toBeUndefined();
  });
});
