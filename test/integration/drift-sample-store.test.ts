import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDriftSampler } from "../../src/drift/drift-sampler.js";
import type { DriftSampleDraft } from "../../src/drift/drift-sample.js";
import type { GatewayStore } from "../../src/store/gateway-store.js";
import { openStore } from "../../src/store/open-store.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

// The same drift-sample SQL on the embedded SQLite store (through its worker thread) and on PostgreSQL, with two
// replicas writing into one database as a shared PostgreSQL deployment would.
const backends: { name: string; open(): Promise<{ store: GatewayStore; second: GatewayStore; done(): Promise<void> }> }[] = [
  {
    name: "SQLite",
    async open() {
      const path = join(mkdtempSync(join(tmpdir(), "gantry-drift-store-")), "gantry.db");
      const store = await openStore({ path });
      const second = await openStore({ path });
      return { store, second, done: async () => undefined };
    },
  },
  {
    name: "PostgreSQL",
    async open() {
      const server: PostgresServer = await startPostgres();
      const store = await openStore({ path: "unused", url: server.url });
      const second = await openStore({ path: "unused", url: server.url });
      return { store, second, done: () => server.stop() };
    },
  },
];

const hour = 3_600_000;
const start = 1_772_449_200_000;
const prompt = "Pouvez-vous résumer le rapport trimestriel ci-joint et citer les trois risques les plus importants ?";
const sample = (time: number, index: number): DriftSampleDraft => ({ time, model: "story", version: "v2", promptTokens: index, outputTokens: 10, ttftMs: index % 2 === 0 ? 150.5 : undefined, finishReason: "stop", errorType: "none", prompt, answer: { text: "Voici le résumé.", refusal: index % 10 === 0 ? "No." : null } });

describe.each(backends)("drift samples on $name", (backend) => {
  let opened: Awaited<ReturnType<(typeof backends)[number]["open"]>>;
  beforeAll(async () => {
    opened = await backend.open();
  }, 40_000);
  afterAll(async () => {
    await opened.store.close();
    await opened.second.close();
    await opened.done();
  });

  it("keeps two replicas' reservoirs side by side, rewrites replaced slots, subsamples and prunes", async () => {
    const now = start;
    const replicas = [opened.store, opened.second].map((store, index) => createDriftSampler({ store, models: ["story"], perBucket: 20, bucketMs: hour, flushIntervalMs: 60_000, retentionMs: 24 * hour, now: () => now, replica: `replica-${index}` }));
    for (const [index, sampler] of replicas.entries()) {
      for (let request = 0; request < 20; request++) sampler.record("story", "v2", start + request, () => sample(start + request, index * 100 + request));
      await sampler.flush();
      // Past its 20 slots every further request replaces one in place: rows stay at 20 per replica.
      for (let request = 20; request < 500; request++) sampler.record("story", "v2", start + request, () => sample(start + request, index * 100 + request));
      await sampler.close();
    }
    const window = { model: "story", version: "v2", from: start, to: start + hour, limit: 1000 };
    const rows = await opened.store.listDriftSamples(window);
    expect(rows).toHaveLength(40);
    expect(await opened.store.listDriftSeries(start, start + hour)).toEqual([{ model: "story", version: "v2", samples: 40 }]);
    const first = rows.find((row) => row.ttft_ms !== null);
    expect(first).toMatchObject({ model: "story", version: "v2", ttft_ms: 150.5, language: "fra", finish_reason: "stop", error_type: "none" });
    expect(typeof first?.refusal).toBe("boolean");
    expect(await opened.store.listDriftSamples({ ...window, limit: 7 })).toHaveLength(7);
    expect(await opened.store.listDriftSamples({ ...window, version: "v1" })).toEqual([]);
    expect(await opened.store.pruneDriftSamples(start + hour)).toBe(40);
  });
});
