// One replica degrades mid-run: 3 fake replicas (separate processes) behind a gateway process, constant-rate
// non-stream load, and one replica that turns slow and starts failing part-way through each phase.
// Usage: npx tsx bench/routing/degrade.ts [--rps 150] [--seconds 12] [--degraded-delay-ms 300] [--degraded-error-rate 0.1]
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunSummary } from "../lib/constant-rate.js";
import { startProcess, stopProcess, type Started } from "../lib/processes.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "150" },
    seconds: { type: "string", default: "12" },
    "delay-ms": { type: "string", default: "20" },
    "degraded-delay-ms": { type: "string", default: "300" },
    "degraded-error-rate": { type: "string", default: "0.1" },
    out: { type: "string", default: "bench/routing/degrade-results.json" },
  },
});
const rps = Number(values.rps);
const durationMs = Number(values.seconds) * 1000;
// The replica degrades a third of the way in and stays degraded to the end of the phase.
const degradeAtMs = Math.round(durationMs / 3);
const strategies = ["round-robin", "least-outstanding", "latency"] as const;
const root = new URL("../..", import.meta.url).pathname;
// Other work on the same host skews the numbers; the load averages go into the JSON so a reader can tell.
const loadAtStart = loadavg().map(round);
const work = mkdtempSync(join(tmpdir(), "gantry-degrade-"));

interface Phase extends RateRunSummary {
  name: string;
  strategy: string;
  degraded: boolean;
  offeredRps: number;
  requests: number;
  errorRate: number;
}

const children: Started[] = [];
try {
  const replicaEnv = { FAKE_DELAY_MS: values["delay-ms"], FAKE_DEGRADED_DELAY_MS: values["degraded-delay-ms"], FAKE_DEGRADED_ERROR_RATE: values["degraded-error-rate"] };
  // `node --import tsx` rather than the tsx wrapper, so SIGUSR1/SIGUSR2 reach the replica itself.
  const replicas = await Promise.all([0, 1, 2].map(() => startProcess("node", ["--import", "tsx", join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/, { env: replicaEnv })));
  children.push(...replicas);
  const deployments = replicas.map((replica) => `      - { provider: openai-compatible, base_url: "${replica.match}", upstream_model: tiny }`).join("\n");
  // One model per strategy over the same replicas: each phase starts with fresh routing state. Retry and breaker are defaults.
  const models = ["baseline", ...strategies].map((name) => `  - name: ${name}\n    routing: { strategy: ${name === "baseline" ? "round-robin" : name} }\n    deployments:\n${deployments}`).join("\n");
  const configFile = join(work, "gantry.yaml");
  writeFileSync(configFile, `server: { port: 0 }\ndatabase: { path: "${join(work, "gantry.db")}" }\nlogging: { level: info, requests: false }\nmodels:\n${models}\n`);
  // Readiness is read from the "gantry listening" line, so the level stays info; per-request lines are off.
  const gateway = await startProcess("node", ["--import", "tsx", join(root, "src/cli/gantry.ts"), "serve", "--config", configFile], /"url":"(http:[^"]+)"/);
  children.push(gateway);
  const pool = new Pool(gateway.match, { connections: 512 });

  const send = (model: string) => {
    const body = JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }], max_tokens: 8 });
    return async (): Promise<void> => {
      const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
    };
  };

  async function phase(name: string, model: string, degrade: boolean, ms = durationMs): Promise<Phase> {
    const victim = replicas[0]?.child;
    const timer = degrade ? setTimeout(() => victim?.kill("SIGUSR1"), degradeAtMs) : undefined;
    try {
      const result = await runConstantRate(rps, ms, send(model));
      const requests = result.latenciesMs.length + result.errors;
      return { name, strategy: model === "baseline" ? "round-robin" : model, degraded: degrade, offeredRps: rps, requests, errorRate: round(result.errors / Math.max(1, requests)), ...summarizeRun(result) };
    } finally {
      clearTimeout(timer);
      victim?.kill("SIGUSR2");
    }
  }

  // Warm-up: JIT, connection pools, and every model's first requests; not reported.
  for (const model of ["baseline", ...strategies]) await phase("warm-up", model, false, 1500);
  const phases: Phase[] = [await phase("healthy baseline", "baseline", false)];
  for (const strategy of strategies) phases.push(await phase(`degraded: ${strategy}`, strategy, true));
  await pool.close();

  const baselineP99 = phases[0]?.latency.p99 ?? Number.NaN;
  const rows = phases.map((item) => ({
    phase: item.name,
    requests: item.requests,
    "p50 ms": item.latency.p50.toFixed(1),
    "p99 ms": item.latency.p99.toFixed(1),
    "max ms": item.latency.max.toFixed(1),
    "error rate": `${(item.errorRate * 100).toFixed(2)}%`,
    "p99 / baseline": (item.latency.p99 / baselineP99).toFixed(2),
    "target met": item.degraded ? (item.latency.p99 <= 1.5 * baselineP99 && item.errors === 0 ? "yes" : "no") : "-",
  }));
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map(round) },
    setup: {
      replicas: "3 fake upstream processes (test/helpers/fake-upstream-main.ts), one gateway process (gantry serve), load from this process; all on 127.0.0.1",
      rps,
      secondsPerPhase: durationMs / 1000,
      upstreamDelayMs: Number(values["delay-ms"]),
      degradation: { replica: 0, atMs: degradeAtMs, delayMs: Number(values["degraded-delay-ms"]), errorRate: Number(values["degraded-error-rate"]), until: "end of phase" },
      gatewayConfig: "default retry (3 attempts) and breaker (5 in a row or 50% over 30 s, 15 s cooldown); no health checks",
      target: "p99 ≤ 1.5 × healthy baseline p99 and 0 client errors",
    },
    rows,
    phases,
  };
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nOne of 3 replicas degrades at ${degradeAtMs / 1000}s of each ${durationMs / 1000}s phase (${values["delay-ms"]} → ${values["degraded-delay-ms"]} ms, ${Number(values["degraded-error-rate"]) * 100}% 503s); ${rps} RPS constant arrival, non-stream:`);
  console.table(rows);
  console.log(`Saved ${values.out}`);
} finally {
  await Promise.all(children.map((started) => stopProcess(started.child)));
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
