// Request-log cost: the same constant-rate load through a gateway with the request log on and one with it off, then
// /admin/stats over 1,000,000 stored rows on the embedded database.
// Usage: npx tsx bench/request-log/run.ts [--rps 1000] [--seconds 60] [--rows 1000000]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { createRequestStore } from "../../src/store/request-store.js";
import { createSqliteExecutor } from "../../src/store/sqlite-executor.js";
import { openStore } from "../../src/store/open-store.js";
import { storedLatency, type RequestRow } from "../../src/store/request-row.js";
import { runConstantRate, summarizeRun, type RateRunSummary } from "../lib/constant-rate.js";
import { startProcess, stopProcess } from "../lib/processes.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "1000" },
    seconds: { type: "string", default: "60" },
    rows: { type: "string", default: "1000000" },
    out: { type: "string", default: "bench/request-log/results.json" },
  },
});
const rps = Number(values.rps);
const durationMs = Number(values.seconds) * 1000;
const seedRows = Number(values.rows);
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(join(tmpdir(), "gantry-request-log-"));

const upstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const model = `models:\n  - name: story\n    pricing: { input_per_million: 1, output_per_million: 2 }\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.match}", upstream_model: tiny }\n`;
const loggedDb = join(work, "logged.db");

async function startGateway(name: string, extra: string): Promise<{ child: Awaited<ReturnType<typeof startProcess>>["child"]; url: string }> {
  const file = join(work, `${name}.yaml`);
  // JSON request lines stay on in both, as in production; only the database request log differs.
  writeFileSync(file, `server: { port: 0 }\nlogging: { level: info, requests: true }\n${extra}\n${model}`);
  const started = await startProcess("node", ["--import", "tsx", join(root, "src/cli/gantry.ts"), "serve", "--config", file], /"url":"(http:[^"]+)"/, { logFile: join(work, `${name}.log`) });
  return { child: started.child, url: started.match };
}

const on = await startGateway("on", `database: { path: "${loggedDb}" }\nrequest_log: { enabled: true }`);
const off = await startGateway("off", "request_log: { enabled: false }");
const pools = { on: new Pool(on.url, { connections: 256 }), off: new Pool(off.url, { connections: 256 }) };
const body = JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }] });
const sent = { on: 0, off: 0 };

function sender(target: "on" | "off"): () => Promise<void> {
  return async () => {
    sent[target]++;
    const response = await pools[target].request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
    await response.body.text();
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  };
}

interface Phase extends RateRunSummary {
  target: "on" | "off";
}

async function phase(target: "on" | "off", rate: number, ms: number): Promise<Phase> {
  const result = await runConstantRate(rate, ms, sender(target));
  return { target, ...summarizeRun(result) };
}

for (const target of ["on", "off"] as const) await phase(target, Math.min(rps, 500), 2000);
const phases: Phase[] = [];
// Alternate off/on in halves so drift in machine load hits both sides alike.
for (const target of ["off", "on", "off", "on"] as const) phases.push(await phase(target, rps, durationMs / 2));
const merged = (target: "on" | "off"): { p50: number; p99: number; errors: number; achievedRps: number } => {
  const parts = phases.filter((item) => item.target === target);
  return {
    p50: round(parts.reduce((sum, item) => sum + item.latency.p50, 0) / parts.length),
    p99: round(parts.reduce((sum, item) => sum + item.latency.p99, 0) / parts.length),
    errors: parts.reduce((sum, item) => sum + item.errors, 0),
    achievedRps: round(parts.reduce((sum, item) => sum + item.achievedRps, 0) / parts.length),
  };
};
await Promise.all([pools.on.close(), pools.off.close()]);
// SIGTERM: the gateway drains and flushes the request log before it exits.
await stopProcess(on.child);
await stopProcess(off.child);
await stopProcess(upstream.child);

const logged = await openStore({ path: loggedDb });
const storedRows = (await logged.stats({ from: 0, to: Date.now() + 60_000 })).total.requests;
await logged.close();
const logging = { on: merged("on"), off: merged("off"), p99DifferenceMs: round(merged("on").p99 - merged("off").p99), requestsSentWithLogOn: sent.on, rowsStored: storedRows, rowsLost: sent.on - storedRows };

// Part two: /admin/stats over a million rows, seeded in bulk straight into the file the gateway then serves.
const statsDb = join(work, "stats.db");
const seedStarted = performance.now();
const seeder = createRequestStore(createSqliteExecutor(statsDb));
await seeder.migrate();
const now = Date.now();
const models = ["gpt-large", "gpt-small", "llama-8b", "embedder"];
for (let start = 0; start < seedRows; start += 20_000) {
  const batch: RequestRow[] = [];
  for (let index = start; index < Math.min(seedRows, start + 20_000); index++) {
    const latency = 20 + ((index * 7919) % 5000) * Math.random();
    batch.push({
      id: `seed-${index}`, client_request_id: null, time: now - 23 * 3600 * 1000 + Math.floor((index / seedRows) * 23 * 3600 * 1000), path: "/v1/chat/completions", key_id: `key-${index % 50}`, team: `team-${index % 5}`,
      model: models[index % models.length] ?? null, model_version: null, deployment: null, answered_by: null, stream: index % 2 === 0, attempts: 1, status: index % 97 === 0 ? 502 : 200, error_code: index % 97 === 0 ? "upstream_error" : null,
      prompt_tokens: 100 + (index % 400), completion_tokens: 50 + (index % 300), cached_tokens: 0, cost_usd: 0.0004, ttft_ms: index % 2 === 0 ? storedLatency(latency / 4) : null,
      latency_ms: storedLatency(latency), upstream_ms: storedLatency(latency - 1), cache: null, finish_reason: "stop", request_body: null, response_body: null,
    });
  }
  await seeder.insertRequests(batch);
}
await seeder.close();
const seedSeconds = round((performance.now() - seedStarted) / 1000);
const statsGateway = await startGateway("stats", `database: { path: "${statsDb}" }`);
const statsTimes: number[] = [];
let statsTotal = 0;
for (let run = 0; run < 6; run++) {
  const started = performance.now();
  const response = await fetch(`${statsGateway.url}/admin/stats?window=86400`);
  const stats = (await response.json()) as { total: { requests: number } };
  statsTimes.push(round(performance.now() - started));
  statsTotal = stats.total.requests;
}
await stopProcess(statsGateway.child);
rmSync(work, { recursive: true, force: true });

const sortedStats = [...statsTimes].sort((a, b) => a - b);
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
  rps,
  secondsPerSide: durationMs / 1000,
  logging,
  stats: { seededRows: seedRows, seedSeconds, rowsInWindow: statsTotal, timesMs: statsTimes, medianMs: sortedStats[Math.floor(sortedStats.length / 2)], maxMs: sortedStats.at(-1) },
  phases,
};
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nRequest log at ${rps} RPS constant arrival, ${durationMs / 1000}s per side (latency from scheduled send):`);
console.table([{ side: "log off", ...logging.off }, { side: "log on", ...logging.on }]);
console.log(`p99 difference (on − off): ${logging.p99DifferenceMs} ms; requests with log on: ${sent.on}, rows stored: ${storedRows}, lost: ${logging.rowsLost}`);
console.log(`/admin/stats over ${statsTotal} rows (seeded ${seedRows} in ${seedSeconds}s): ${statsTimes.join(", ")} ms (median ${report.stats.medianMs}, max ${report.stats.maxMs})`);
console.log(`Saved ${values.out}`);

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
