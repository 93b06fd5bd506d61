import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteExecutor } from "../../src/store/sqlite-executor.js";
import type { SqlExecutor } from "../../src/store/sql-executor.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { exited, runGantry } from "../helpers/gantry-process.js";

const items = 12;
const repeats = 2;

describe("gantry eval run: kill -9 mid-run, then resume", () => {
  let upstream: FakeUpstream;
  let dir: string;
  let reader: SqlExecutor | undefined;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    // Slow answers, so the run is still going when the test has seen a few items stored.
    upstream.defaultBehavior = { kind: "ok", delayMs: 150, text: "The answer is 42." };
    dir = mkdtempSync(join(tmpdir(), "gantry-evals-resume-"));
    writeFileSync(join(dir, "gantry.yaml"), `request_log: { enabled: false }\nresponses: { store: false }\nmodels:\n  - name: story\n    deployments: [{ provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }]\n`);
    writeFileSync(join(dir, "sums.csv"), ["a,b,__expected", ...Array.from({ length: items }, (_, index) => `${index},${42 - index},numeric:42`)].join("\n"));
    writeFileSync(join(dir, "suite.yaml"), `prompts: ["What is {{a}} + {{b}}?"]\nproviders: [story]\ntests: file://sums.csv\nrepeat: ${repeats}\n`);
  });

  afterAll(async () => {
    await reader?.close();
    await upstream.close();
  });

  const args = (): string[] => ["eval", "run", "--suite", join(dir, "suite.yaml"), "--config", join(dir, "gantry.yaml"), "--db", join(dir, "evals.db"), "--concurrency", "2"];
  const storedPairs = async (): Promise<number> => {
    reader ??= createSqliteExecutor(join(dir, "evals.db"));
    try {
      return Number((await reader.all("SELECT COUNT(*) AS n FROM eval_items"))[0]?.["n"] ?? 0);
    } catch {
      return 0; // the table does not exist until the child has migrated the database
    }
  };

  it("scores each (item, repeat) exactly once across the kill and the resume", async () => {
    const child = runGantry(args());
    const done = exited(child);
    // Poll the database (not the clock) until some items are committed, then kill without warning.
    for (let tries = 0; tries < 600 && (await storedPairs()) < 4; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.code).toBeNull();
    const storedAtKill = await storedPairs();
    expect(storedAtKill).toBeGreaterThanOrEqual(4);
    expect(storedAtKill).toBeLessThan(items * repeats);
    const callsBefore = upstream.calls.length;

    const resumed = await exited(runGantry(args()));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resumed with ${storedAtKill} already stored`);
    expect(resumed.stdout).toContain(`passed       ${items * repeats}/${items * repeats}`);

    const pairs = await (reader ?? createSqliteExecutor(join(dir, "evals.db"))).all("SELECT run_id, item_key, repeat_index FROM eval_items");
    expect(pairs).toHaveLength(items * repeats);
    expect(new Set(pairs.map((row) => `${String(row["item_key"])}/${String(row["repeat_index"])}`)).size).toBe(items * repeats);
    expect(new Set(pairs.map((row) => row["run_id"])).size).toBe(1);
    const runs = await reader?.all("SELECT id, finished_at FROM eval_runs");
    expect(runs).toHaveLength(1);
    expect(runs?.[0]?.["finished_at"]).not.toBeNull();
    // The resume asked only for what was missing: at most the unstored pairs (fewer when answers in flight at the
    // kill had reached the answer cache).
    const askedAgain = upstream.calls.slice(callsBefore).filter((call) => call.path === "/v1/chat/completions").length;
    expect(askedAgain).toBeLessThanOrEqual(items * repeats - storedAtKill);
  }, 180_000);
});
