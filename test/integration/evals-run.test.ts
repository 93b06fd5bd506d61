import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCachedClient } from "../../src/evals/cached-client.js";
import type { EvalStore } from "../../src/evals/eval-store.js";
import { createGatewayClient } from "../../src/evals/gateway-client.js";
import { loadSuite } from "../../src/evals/load-suite.js";
import { openEvalStore } from "../../src/evals/open-eval-store.js";
import { runEval } from "../../src/evals/run-eval.js";
import { runFigures } from "../../src/evals/run-summary.js";
import type { RunningGateway } from "../../src/main.js";
import { fakeTokens, startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";

const verdict = (pass: boolean): string => JSON.stringify({ reason: pass ? "mentions the fox" : "misses the point", score: pass ? 1 : 0, pass });

describe("gantry eval run (in-process runner against fake upstreams)", () => {
  let target: FakeUpstream;
  let judge: FakeUpstream;
  let gateway: RunningGateway;
  let store: EvalStore;
  let suiteFile: string;

  beforeAll(async () => {
    target = await startFakeUpstream();
    judge = await startFakeUpstream();
    // $1 per million tokens for the target, $1000 per million for the judge: the judge's share is unmistakable.
    gateway = await startTestGateway(`models:
  - name: story
    pricing: { input_per_million: 1, output_per_million: 1 }
    deployments: [{ provider: openai-compatible, base_url: "${target.baseUrl}", upstream_model: tiny }]
  - name: judge
    pricing: { input_per_million: 1000, output_per_million: 1000 }
    deployments: [{ provider: openai-compatible, base_url: "${judge.baseUrl}", upstream_model: tiny }]
`);
    const dir = mkdtempSync(join(tmpdir(), "gantry-evals-"));
    writeFileSync(join(dir, "animals.jsonl"), ["fox", "owl", "cat", "hen", "elk"].map((animal) => JSON.stringify({ animal })).join("\n"));
    suiteFile = join(dir, "suite.yaml");
    writeFileSync(
      suiteFile,
      `description: animal stories
prompts: ["Tell a story about a {{animal}}."]
providers: [story]
defaultTest:
  options: { provider: judge }
  assert:
    - { type: icontains, value: fox }
    - { type: llm-rubric, value: "The story is about a {{animal}}." }
tests: file://animals.jsonl
repeat: 2
seed: 3
`,
    );
    store = await openEvalStore({ path: join(dir, "evals.db") });
  });

  afterAll(async () => {
    await store.close();
    await gateway.close();
    await target.close();
    await judge.close();
  });

  it("stores every (item, repeat), counts the judge's cost in the item's, exposes a flipping judgement, and reruns free from the cache", async () => {
    const suite = await loadSuite(suiteFile);
    expect(suite.items).toHaveLength(5);
    // Concurrency 1 keeps the judge calls in item order: the first item's judgement flips between its two repeats.
    judge.enqueue({ kind: "ok", text: verdict(true) }, { kind: "ok", text: verdict(false) }, ...Array.from({ length: 8 }, () => ({ kind: "ok" as const, text: verdict(true) })));
    const client = createCachedClient(createGatewayClient({ baseUrl: `${gateway.url}/v1` }), store);
    const result = await runEval({ suite, target: suite.targets[0] ?? { id: "story", label: "story", options: {} }, store, client, concurrency: 1 });
    expect(result).toMatchObject({ resumed: false, scored: 10, skipped: 0, finished: true });

    const run = await store.loadRun(result.runId);
    if (run === undefined) throw new Error("run not stored");
    expect(run.items).toHaveLength(10);
    expect(new Set(run.items.map((item) => `${item.itemKey}/${item.repeat}`)).size).toBe(10);
    expect(run).toMatchObject({ suiteName: "animal stories", suiteHash: suite.hash, seed: 3, target: "story", model: "story", deployment: "story/0" });

    // Each item's cost is its answer's ($1/M tokens) plus its judge call's ($1000/M tokens), both priced by the gateway.
    const judgeCalls = judge.calls.filter((call) => call.path === "/v1/chat/completions");
    expect(judgeCalls).toHaveLength(10);
    const first = run.items.find((item) => item.itemKey === suite.items[0]?.key && item.repeat === 0);
    const judgeBody = judgeCalls[0]?.body;
    const judgeTokens = fakeTokens(JSON.stringify(judgeBody?.["messages"])).length + fakeTokens(verdict(true)).length;
    expect(first?.costUsd).toBeCloseTo(((first?.promptTokens ?? 0) + (first?.completionTokens ?? 0)) * 1e-6 + judgeTokens * 1e-3, 9);
    const answersOnly = run.items.reduce((sum, item) => sum + (item.promptTokens + item.completionTokens) * 1e-6, 0);
    expect(runFigures(run).costUsd).toBeGreaterThan(answersOnly + 10 * 1e-3);

    // The flipped judgement: same item, same answer, repeat 0 passes and repeat 1 fails.
    const flipped = run.items.filter((item) => item.itemKey === suite.items[0]?.key);
    expect(flipped.map((item) => item.pass)).toEqual([true, false]);
    expect(flipped[0]?.output).toBe(flipped[1]?.output);
    expect(flipped[1]?.assertions[1]).toMatchObject({ type: "llm-rubric", pass: false, reason: "misses the point" });
    expect(runFigures(run)).toMatchObject({ flakyItems: 1, answers: 10, passed: 9 });
    // Each repeat is its own sample: the target saw a different seed for each.
    const seeds = target.calls.filter((call) => call.path === "/v1/chat/completions").map((call) => call.body?.["seed"]);
    expect(new Set(seeds).size).toBe(10);

    // A rerun of the finished suite is a new run answered entirely from the eval answer cache.
    const targetCalls = target.calls.length;
    const again = await runEval({ suite, target: { id: "story", label: "story", options: {} }, store, client, concurrency: 2 });
    expect(again.runId).not.toBe(result.runId);
    expect(again.scored).toBe(10);
    expect(target.calls.length).toBe(targetCalls);
    expect(judge.calls.length).toBe(judgeCalls.length);
    const rerun = await store.loadRun(again.runId);
    expect(rerun?.items.every((item) => item.cached)).toBe(true);
    expect(rerun?.items.map((item) => item.pass)).toEqual(run.items.map((item) => item.pass));
  });

  it("keeps baselines as named pointers with their history", async () => {
    const [newest, older] = await store.listRuns(2);
    if (newest === undefined || older === undefined) throw new Error("expected two runs");
    await store.setBaseline("animals", older.runId, "alice", 1000);
    await store.setBaseline("animals", newest.runId, "bob", 2000);
    expect(await store.baselineRun("animals")).toBe(newest.runId);
    expect(await store.listBaselines()).toEqual([{ name: "animals", runId: newest.runId, previousRunId: undefined, setBy: "bob", setAt: 2000 }]);
    expect(await store.baselineHistory("animals")).toEqual([
      { name: "animals", runId: older.runId, previousRunId: undefined, setBy: "alice", setAt: 1000 },
      { name: "animals", runId: newest.runId, previousRunId: older.runId, setBy: "bob", setAt: 2000 },
    ]);
    expect(await store.baselineRun("nothing")).toBeUndefined();
  });
});
