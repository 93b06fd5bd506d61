// Big bodies next to small requests: small chat requests at a constant rate through the gateway (fake upstream, loopback),
// first alone, then while 4 MiB requests (64 messages × 63 KiB) arrive every --big-every-ms. A big body must not
// stall everyone else: target p99 of the small requests with big bodies ≤ 2× the p99 without.
// Usage: npx tsx bench/big-body/run.ts [--rps 500] [--seconds 10] [--big-every-ms 500] [--cpu-prof-dir DIR]
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunSummary } from "../lib/constant-rate.js";
import { startBodySender } from "../lib/body-sender.js";
import { scrapeLoopDelay, type LoopDelay } from "../lib/event-loop-delay.js";
import { gantryEntry, startProcess, stopProcess } from "../lib/processes.js";
import type { LatencySummary } from "../lib/stats.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    "big-every-ms": { type: "string", default: "500" },
    "cpu-prof-dir": { type: "string" },
    // dist: the compiled build, as `npm start` runs it (run `npm run build` first); source: TypeScript through tsx.
    gateway: { type: "string", default: "dist" },
    out: { type: "string", default: "bench/big-body/results.json" },
  },
});
const rps = Number(values.rps);
const durationMs = Number(values.seconds) * 1000;
const bigEveryMs = Number(values["big-every-ms"]);
const targetRatio = 2;
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(join(tmpdir(), "gantry-big-body-"));
const profileFlags = values["cpu-prof-dir"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof-dir"]}`];

// The big bodies go to an upstream process of their own: the fake upstream parsing 4 MiB would otherwise stall the small
// requests' upstream too, and the bench is about the gateway keeping tenants apart.
const upstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const bulkUpstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const configFile = join(work, "gantry.yaml");
// max_prompt_tokens is raised so big bodies take the whole path (validation, tokenizing, forwarding) rather than a 400.
writeFileSync(configFile, `server: { port: 0 }\ndatabase: { path: "${join(work, "gantry.db")}" }\nlogging: { level: info, requests: true }\nlimits: { max_prompt_tokens: 10000000 }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.match}", upstream_model: tiny }\n  - name: bulk\n    deployments:\n      - { provider: openai-compatible, base_url: "${bulkUpstream.match}", upstream_model: tiny }\n`);
const gateway = await startProcess("node", [...profileFlags, ...gantryEntry(values.gateway, root), "serve", "--config", configFile], /"url":"(http:[^"]+)"/, { logFile: join(work, "gateway.log") });

const small = JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }] });
const smallPool = new Pool(gateway.match, { connections: 128 });
// The big bodies leave from a process of their own: writing 4 MiB here would delay this process's small requests.
const bigSender = await startBodySender(root, { url: gateway.match, kind: "big", model: "bulk", "every-ms": bigEveryMs, "duration-ms": durationMs });

async function send(pool: Pool, body: string): Promise<void> {
  const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
}

// Warm the gateway (JIT, connections) on both kinds first, so the phases compare steady states.
await runConstantRate(rps, 2000, () => send(smallPool, small));

// The gateway's event-loop delay over each phase (its longest main-thread stall), read from /metrics.
await scrapeLoopDelay(gateway.match);
const baseline: RateRunSummary = summarizeRun(await runConstantRate(rps, durationMs, () => send(smallPool, small)));
const baselineLoop = await scrapeLoopDelay(gateway.match);
const loadedRun = runConstantRate(rps, durationMs, () => send(smallPool, small));
const bigResult = (await bigSender.run()) as { bytes: number; sent: number; errors: number; latency: LatencySummary };
const loaded: RateRunSummary = summarizeRun(await loadedRun);
const loadedLoop = await scrapeLoopDelay(gateway.match);

await smallPool.close();
await stopProcess(gateway.child);
await stopProcess(upstream.child);
await stopProcess(bulkUpstream.child);

const ratio = Math.round((loaded.latency.p99 / baseline.latency.p99) * 100) / 100;
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, loadavg: loadavg() },
  rps,
  seconds: durationMs / 1000,
  bigBody: { messages: 64, messageBytes: 63 * 1024, everyMs: bigEveryMs, ...bigResult },
  small: { baseline, withBigBodies: loaded },
  gatewayEventLoopDelayMs: { baseline: baselineLoop, withBigBodies: loadedLoop },
  p99Ratio: ratio,
  targetRatio,
  pass: ratio <= targetRatio && baseline.errors === 0 && loaded.errors === 0,
};
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

console.log(`\nSmall requests at ${rps} RPS, ${durationMs / 1000}s per phase; big bodies: ${(bigResult.bytes / 1048576).toFixed(2)} MiB (64 × 63 KiB) every ${bigEveryMs} ms`);
const row = (name: string, summary: RateRunSummary, loop: LoopDelay): Record<string, string | number> => ({ phase: name, p50: summary.latency.p50, p90: summary.latency.p90, p99: summary.latency.p99, max: summary.latency.max, "achieved RPS": summary.achievedRps, errors: summary.errors, "gateway loop delay max": loop.maxMs, "loop p99": loop.p99Ms });
console.table([row("small alone", baseline, baselineLoop), row("small + big bodies", loaded, loadedLoop)]);
console.log(`p99 ratio ${ratio}× (target ≤ ${targetRatio}×): ${report.pass ? "PASS" : "MISS"}; big bodies sent ${bigResult.sent}, errors ${bigResult.errors}, p50 ${bigResult.latency.p50} ms, p99 ${bigResult.latency.p99} ms`);
console.log(`Saved ${values.out}`);
