import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openEvalCliStore, type EvalCliDeps } from "../../src/cli/eval-cli-deps.js";
import { evalGate } from "../../src/cli/eval-gate.js";
import { openEvalGateway } from "../../src/cli/eval-gateway.js";
import { loadSuite } from "../../src/evals/load-suite.js";
import { openEvalStore } from "../../src/evals/open-eval-store.js";
import { runEval } from "../../src/evals/run-eval.js";
import type { FakeBehavior, RecordedCall } from "../helpers/fake-upstream.js";
import { startFakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Answers "What is A + B?" with the sum: both versions are the same model, so the gate passes. */
function sums(call: RecordedCall): FakeBehavior | undefined {
  const messages = Array.isArray(call.body?.["messages"]) ? (call.body["messages"] as Array<{ content?: unknown }>) : [];
  const match = /What is (\d+) \+ (\d+)\?/.exec(String(messages.at(-1)?.content ?? ""));
  return match === null ? undefined : { kind: "ok", text: String(Number(match[1]) + Number(match[2])) };
}

describe("gantry eval gate against a registry version", () => {
  it("runs the suite pinned to MODEL@VERSION, stores the verdict for that version, and the registry then lets it be promoted", { timeout: 120_000 }, async () => {
    const primary = await startFakeUpstream({ chooseBehavior: sums });
    const candidate = await startFakeUpstream({ chooseBehavior: sums });
    cleanups.push(() => primary.close(), () => candidate.close());
    const dir = mkdtempSync(join(tmpdir(), "gantry-gate-registry-"));
    const configFile = join(dir, "gantry.yaml");
    const yaml = `database: { path: "${join(dir, "gantry.db")}" }
logging: { level: silent }
admin: { open_on_loopback: true }
request_log: { enabled: false }
registry: { promotion: { story: { require_eval_gate: { baseline: sums } } } }
models:
  - name: story
    deployments: [{ provider: openai-compatible, base_url: "${primary.baseUrl}", upstream_model: tiny }]
`;
    writeFileSync(configFile, yaml);
    const gateway = await startTestGateway(yaml);
    cleanups.push(() => gateway.close());
    const admin = (path: string, body: unknown): Promise<Response> => fetch(`${gateway.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await admin("/admin/models/story/versions", { deployments: [{ provider: "openai-compatible", base_url: candidate.baseUrl, upstream_model: "tiny-2" }] })).status).toBe(201);
    expect((await admin("/admin/models/story/promote", { version: 2 })).status).toBe(409);

    const rows = Array.from({ length: 24 }, (_, index) => JSON.stringify({ a: index, b: 2 * index + 1, sum: 3 * index + 1 }));
    writeFileSync(join(dir, "sums.jsonl"), `${rows.join("\n")}\n`);
    const suiteFile = join(dir, "sums.suite.yaml");
    writeFileSync(suiteFile, `description: sums\nprompts: ["What is {{a}} + {{b}}?"]\ntests: file://sums.jsonl\ndefaultTest:\n  assert:\n    - { type: numeric, value: "{{sum}}" }\nseed: 1\n`);
    // The baseline: the suite against prod (version 1), as `gantry eval run` then `eval baseline set` do.
    const store = await openEvalStore({ path: join(dir, "gantry.db") });
    cleanups.push(() => store.close());
    const evalGateway = await openEvalGateway({ config: configFile, store });
    const baseline = await runEval({ suite: await loadSuite(suiteFile), target: { id: "story", label: "story", options: {} }, store, client: evalGateway.client, concurrency: 4, seed: 1 });
    await evalGateway.close();
    await store.setBaseline("sums", baseline.runId, "test", Date.now());
    expect(primary.calls.length).toBe(24);

    let stderr = "";
    const deps: EvalCliDeps = { openStore: openEvalCliStore, stdout: () => undefined, stderr: (text) => void (stderr += text) };
    const code = await evalGate(["--baseline", "sums", "--candidate", "story@2", "--suite", suiteFile, "--config", configFile, "--min-items", "20"], deps);
    expect(code, stderr).toBe(0);
    // Every candidate answer came from version 2's upstream, through the pin.
    expect(candidate.calls.length).toBe(24);
    expect(stderr).toContain("verdict pass stored for story version 2");
    const stored = await store.latest("story", "2", "sums");
    expect(stored).toMatchObject({ verdict: "pass", baseline: "sums", baselineRunId: baseline.runId, modelVersion: "2" });

    const promoted = await admin("/admin/models/story/promote", { version: 2 });
    expect(promoted.status).toBe(200);
  });
});
