import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EvalCliDeps } from "../../src/cli/eval-cli-deps.js";
import { defaultEvalCliDeps } from "../../src/cli/eval-cli-deps.js";
import { evalCompare } from "../../src/cli/eval-compare.js";
import { evalGate } from "../../src/cli/eval-gate.js";
import { evalCommand } from "../../src/cli/eval.js";
import type { EvalRunResults } from "../../src/evals/run-results.js";
import type { RunSuiteAgainst, RunSuiteRequest } from "../../src/evals/run-suite-port.js";
import { memoryRunReader, syntheticRun, syntheticSuite } from "../helpers/synthetic-eval-runs.js";

const suite200 = syntheticSuite(200, 42);
const baseline = syntheticRun({ runId: "run-base", suite: suite200, seed: 1 });
const same = syntheticRun({ runId: "run-same", suite: suite200, seed: 1 });
const degraded = syntheticRun({ runId: "run-degraded", suite: suite200, seed: 2, wrongRate: 0.2 });
const suite5 = syntheticSuite(5, 7);
const small = syntheticRun({ runId: "run-small", suite: suite5, seed: 1 });
const smallCandidate = syntheticRun({ runId: "run-small-2", suite: suite5, seed: 2 });
const otherSuite = syntheticRun({ runId: "run-other", suite: suite200, seed: 3, suiteHash: "different" });

/** The command's world in memory: a run store, an optional runner, and captured output. */
function world(runs: EvalRunResults[], runSuite?: RunSuiteAgainst): { deps: EvalCliDeps; out: () => string; err: () => string; closed: () => number } {
  let out = "";
  let err = "";
  let closed = 0;
  const reader = memoryRunReader(runs, { main: "run-base", small: "run-small" });
  return {
    deps: {
      openStore: () => Promise.resolve({ reader, runSuite, close: () => Promise.resolve(void closed++) }),
      stdout: (text) => void (out += text),
      stderr: (text) => void (err += text),
    },
    out: () => out,
    err: () => err,
    closed: () => closed,
  };
}

const allRuns = [baseline, same, degraded, small, smallCandidate, otherSuite];

describe("gantry eval gate", () => {
  it("exits 0 when the candidate is the baseline's own answers", async () => {
    const { deps, out, closed } = world(allRuns);
    expect(await evalGate(["--baseline", "main", "--candidate", "run-same"], deps)).toBe(0);
    expect(out()).toMatch(/^verdict: PASS/);
    expect(closed()).toBe(1);
  });

  it("exits 100 for a model wrong 20% of the time on a 200-item suite", async () => {
    const { deps, out } = world(allRuns);
    expect(await evalGate(["--baseline", "main", "--candidate", "run-degraded"], deps)).toBe(100);
    expect(out()).toMatch(/^verdict: REGRESSION/);
    expect(out()).toMatch(/McNemar \(exact, stable items\): b=\d+/);
  });

  it("exits 101 on a 5-item suite", async () => {
    const { deps, out } = world(allRuns);
    expect(await evalGate(["--baseline", "small", "--candidate", "run-small-2"], deps)).toBe(101);
    expect(out()).toMatch(/^verdict: INCONCLUSIVE/);
  });

  it("prints JSON with --json and honours the rule's options", async () => {
    const { deps, out } = world(allRuns);
    expect(await evalGate(["--baseline", "small", "--candidate", "run-small-2", "--min-items", "1", "--tolerance", "0.9", "--resamples", "500", "--json"], deps)).toBe(0);
    const result = JSON.parse(out()) as { verdict: string; options: { minItems: number; resamples: number }; items: number };
    expect(result).toMatchObject({ verdict: "pass", items: 5, options: { minItems: 1, resamples: 500 } });
  });

  it("exits 1 with a clear message when the suites differ", async () => {
    const { deps, err } = world(allRuns);
    expect(await evalGate(["--baseline", "main", "--candidate", "run-other"], deps)).toBe(1);
    expect(err()).toMatch(/ran different suites/);
  });

  it("runs the baseline's suite against a MODEL through the runner port", async () => {
    const requests: RunSuiteRequest[] = [];
    const runSuite: RunSuiteAgainst = (request) => {
      requests.push(request);
      return Promise.resolve("run-degraded");
    };
    const { deps } = world(allRuns, runSuite);
    expect(await evalGate(["--baseline", "main", "--candidate", "gpt-candidate", "--suite", "suite.yaml"], deps)).toBe(100);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ target: "gpt-candidate", suiteFile: "suite.yaml", baselineRun: { runId: "run-base" } });
  });

  it("without a runner, a candidate that is not a stored run is an error that says to pass a run id", async () => {
    const { deps, err } = world(allRuns);
    expect(await evalGate(["--baseline", "main", "--candidate", "gpt-candidate"], deps)).toBe(1);
    expect(err()).toMatch(/pass the id of a stored run/);
  });

  it("exits 1 for an unknown baseline and 2 for a bad command line", async () => {
    const unknown = world(allRuns);
    expect(await evalGate(["--baseline", "nope", "--candidate", "run-same"], unknown.deps)).toBe(1);
    expect(unknown.err()).toMatch(/no baseline or run named "nope"/);
    const bad = world(allRuns);
    expect(await evalGate(["--baseline", "main"], bad.deps)).toBe(2);
    expect(await evalGate(["--baseline", "main", "--candidate", "x", "--tolerance", "lots"], bad.deps)).toBe(2);
    expect(bad.err()).toMatch(/--tolerance must be a number/);
  });

  it("with the real store, an unknown baseline fails plainly (exit 1), never as a pass", async () => {
    const folder = mkdtempSync(join(tmpdir(), "gantry-eval-gate-"));
    try {
      const config = join(folder, "gantry.yaml");
      writeFileSync(config, `database: { path: ${join(folder, "gantry.db")} }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "http://127.0.0.1:9/v1" }\n`);
      let err = "";
      const deps: EvalCliDeps = { ...defaultEvalCliDeps, stderr: (text) => void (err += text) };
      expect(await evalGate(["--baseline", "main", "--candidate", "run-same", "--config", config], deps)).toBe(1);
      expect(err).toMatch(/no baseline or run/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("takes --db and --database-url like eval run, and passes them to the store", async () => {
    const flags: unknown[] = [];
    const { deps } = world(allRuns);
    const recording: EvalCliDeps = { ...deps, openStore: (options) => (flags.push(options), deps.openStore(options)) };
    expect(await evalGate(["--baseline", "main", "--candidate", "run-same", "--db", "evals.db"], recording)).toBe(0);
    expect(await evalCompare(["run-base", "run-same", "--database-url", "postgres://db/evals", "--html", join(tmpdir(), "gantry-compare-flags.html")], recording)).toBe(0);
    expect(flags).toEqual([
      { db: "evals.db", "database-url": undefined, config: undefined },
      { db: undefined, "database-url": "postgres://db/evals", config: undefined },
    ]);
  });
});

describe("gantry eval (every subcommand)", () => {
  it("reports an unknown flag as a usage error, exit 2, not a crash", async () => {
    for (const argv of [["run", "--bogus"], ["baseline", "list", "--bogus"], ["gate", "--bogus"], ["compare", "--bogus"], ["run", "--suite"]]) {
      expect(await evalCommand(argv)).toBe(2);
    }
  });
});

describe("gantry eval compare", () => {
  const folder = mkdtempSync(join(tmpdir(), "gantry-eval-compare-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("prints the runs side by side and writes an HTML report with inline SVG distributions", async () => {
    const { deps, out } = world(allRuns);
    const html = join(folder, "report.html");
    expect(await evalCompare(["main", "run-degraded", "--html", html], deps)).toBe(0);
    expect(out()).toMatch(/pass rate\s+\d+\.\d%\s+\d+\.\d%/);
    expect(out()).toMatch(/latency p50 \/ p95 \(ms\)/);
    expect(out()).toMatch(/cost total \(USD\)\s+0\.020000\s+0\.020000/);
    expect(out()).toMatch(/verdict: REGRESSION/);
    expect(out()).toMatch(/changed items: \d+ of 200 \(the 20 largest\)/);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("<svg");
    expect(page).toContain("Score distribution");
    expect(page).toContain("Cost per answer");
    // Every paired item gets a row; the degraded answers show up as rows marked worse.
    expect(page.match(/<tr class="(worse|better|)">/g)).toHaveLength(200);
    expect(page).toMatch(/<tr class="worse">/);
  });

  it("refuses runs of different suites and takes exactly two runs", async () => {
    const { deps, err } = world(allRuns);
    expect(await evalCompare(["run-base", "run-other", "--html", join(folder, "x.html")], deps)).toBe(1);
    expect(err()).toMatch(/ran different suites/);
    expect(await evalCompare(["run-base"], deps)).toBe(2);
  });
});
