import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEvalStore } from "../../src/evals/open-eval-store.js";
import type { RunningGateway } from "../../src/main.js";
import { startTestGateway } from "../helpers/gateway.js";

const adminKey = "admin-key-for-tests-0123456789";
const model = "models:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: http://127.0.0.1:9/v1 }\n";
let gateway: RunningGateway;
const runIds: string[] = [];

async function admin(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  const path = join(mkdtempSync(join(tmpdir(), "gantry-evals-api-")), "gantry.db");
  gateway = await startTestGateway(`auth: { mode: keys, admin_key: "${adminKey}" }\ndatabase: { path: "${path}" }\n${model}`);
  // Three runs, as `gantry eval` stores them in the gateway's database; the second passes 1 of its 2 answers.
  const store = await openEvalStore({ path });
  for (const index of [0, 1, 2]) {
    const runId = await store.createRun({ suiteName: "capitals", suiteHash: "h1", seed: 1, repeats: 1, itemCount: 2, target: "story", startedAt: 1_000 + index });
    for (const [key, pass] of [["france", true], ["peru", index !== 1]] as const) {
      await store.saveItem(runId, { itemKey: key, repeat: 0, pass, score: pass ? 1 : 0, assertions: [], output: key, latencyMs: 5, promptTokens: 1, completionTokens: 1, costUsd: 0.25, model: "story", modelVersion: "1", deployment: undefined, cached: false }, 2_000);
    }
    await store.finishRun(runId, 3_000 + index);
    runIds.push(runId);
  }
  await store.setBaseline("main", runIds[0] ?? "", "ci", 4_000);
  await store.close();
}, 60_000);

afterAll(async () => {
  await gateway?.close();
});

describe("the admin eval API", () => {
  it("lists runs newest first with pass rate and cost, in keyset pages", async () => {
    const first = await admin("/admin/evals/runs?limit=2");
    expect(first.status).toBe(200);
    expect(first.body["data"]).toEqual([
      { id: runIds[2], suite: "capitals", target: "story", started_at: 1_002, finished_at: 3_002, answers: 2, passed: 2, pass_rate: 1, cost_usd: 0.5 },
      { id: runIds[1], suite: "capitals", target: "story", started_at: 1_001, finished_at: 3_001, answers: 2, passed: 1, pass_rate: 0.5, cost_usd: 0.5 },
    ]);
    const second = await admin(`/admin/evals/runs?limit=2&cursor=${String(first.body["next_cursor"])}`);
    expect((second.body["data"] as { id: string }[]).map((run) => run.id)).toEqual([runIds[0]]);
    expect(second.body["next_cursor"]).toBeNull();
    expect((await admin("/admin/evals/runs?limit=0")).status).toBe(400);
    expect((await admin("/admin/evals/runs?cursor=nonsense")).status).toBe(400);
  });

  it("answers one run with its items and figures, 404 for an unknown id, and the baselines", async () => {
    const run = await admin(`/admin/evals/runs/${runIds[1] ?? ""}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ object: "eval_run", id: runIds[1], suite_hash: "h1", model: "story", model_version: "1", answers: 2, passed: 1, pass_rate: 0.5, cost_usd: 0.5 });
    expect((run.body["items"] as { item_key: string; pass: boolean }[]).map((item) => [item.item_key, item.pass])).toEqual([
      ["france", true],
      ["peru", false],
    ]);
    const missing = await admin("/admin/evals/runs/no-such-run");
    expect(missing.status).toBe(404);
    expect((missing.body["error"] as { code: string }).code).toBe("not_found");
    expect((await admin("/admin/evals/baselines")).body).toEqual({ object: "list", data: [{ name: "main", run_id: runIds[0], set_by: "ci", set_at: 4_000 }] });
  });
});
