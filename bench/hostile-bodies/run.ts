// Hostile bodies next to small requests: small chat requests at a constant rate through a gateway process (fake
// upstream, loopback), first alone, then while 8 clients each send 4 MiB hostile bodies back to back (many tiny
// messages, token ids, empty arrays, logit_bias entries, content parts, and a legitimate 4 MiB image data URL).
// Targets: p99 of the small requests ≤ 50 ms and the gateway's peak RSS (VmHWM) ≤ 1 GB, with 0 5xx.
// Usage: npx tsx bench/hostile-bodies/run.ts [--rps 200] [--seconds 10] [--clients 8] [--max-per-client 200] [--cpu-prof-dir DIR] [--intake-mib-per-s 64] [--node-flag=--trace-gc]
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunSummary } from "../lib/constant-rate.js";
import { startBodySender } from "../lib/body-sender.js";
import { scrapeLoopDelay, type LoopDelay } from "../lib/event-loop-delay.js";
import { gantryEntry, startProcess, stopProcess } from "../lib/processes.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "200" },
    seconds: { type: "string", default: "10" },
    clients: { type: "string", default: "8" },
    "max-per-client": { type: "string", default: "200" },
    "cpu-prof-dir": { type: "string" },
    // The gateway's server.large_body_bytes_per_second in MiB/s (default: the gateway's own default).
    "intake-mib-per-s": { type: "string" },
    // Extra node flags for the gateway process, e.g. --node-flag=--trace-gc (its output lands in gateway.log).
    "node-flag": { type: "string", multiple: true, default: [] },
    // dist: the compiled build, as `npm start` runs it (run `npm run build` first); source: TypeScript through tsx.
    gateway: { type: "string", default: "dist" },
    out: { type: "string", default: "bench/hostile-bodies/results.json" },
  },
});
const rps = Number(values.rps);
const durationMs = Number(values.seconds) * 1000;
const clients = Number(values.clients);
const maxPerClient = Number(values["max-per-client"]);
const targets = { p99Ms: 50, peakRssBytes: 1e9 };
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(join(tmpdir(), "gantry-hostile-bodies-"));

// The legitimate big bodies go to an upstream process of their own, so a fake upstream parsing 4 MiB never stalls the
// small requests' upstream: the bench is about the gateway keeping tenants apart.
const upstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const bulkUpstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const configFile = join(work, "gantry.yaml");
// max_prompt_tokens is raised so the legitimate 4 MiB prompt takes the whole path (validation, tokenizing, forwarding).
const intake = values["intake-mib-per-s"] === undefined ? "" : `, large_body_bytes_per_second: ${Math.round(Number(values["intake-mib-per-s"]) * 2 ** 20)}`;
writeFileSync(configFile, `server: { port: 0${intake} }\ndatabase: { path: "${join(work, "gantry.db")}" }\nlogging: { level: info, requests: false }\nlimits: { max_prompt_tokens: 10000000 }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.match}", upstream_model: tiny }\n  - name: bulk\n    deployments:\n      - { provider: openai-compatible, base_url: "${bulkUpstream.match}", upstream_model: tiny }\n`);
const profileFlags = [...(values["cpu-prof-dir"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof-dir"]}`]), ...values["node-flag"]];
const gateway = await startProcess("node", [...profileFlags, ...gantryEntry(values.gateway, root), "serve", "--config", configFile], /"url":"(http:[^"]+)"/, { logFile: join(work, "gateway.log") });
const gatewayPid = gateway.child.pid ?? 0;

/** The gateway's resident set now and at its peak, from /proc (Linux). */
function rss(): { nowBytes: number; peakBytes: number } {
  const status = readFileSync(`/proc/${gatewayPid}/status`, "utf8");
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
  return { nowBytes: kib("VmRSS"), peakBytes: kib("VmHWM") };
}

const small = JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }] });
const smallPool = new Pool(gateway.match, { connections: 64 });
// The hostile clients run in a process of their own: writing 4 MiB bodies here would delay this process's small
// requests, and the bench would count its own stalls against the gateway. The sender warms the gateway on each kind.
const sender = await startBodySender(root, { url: gateway.match, kind: "hostile", "small-model": "story", model: "bulk", clients, "max-per-client": maxPerClient, "duration-ms": durationMs });

async function sendSmall(): Promise<void> {
  const response = await smallPool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body: small });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
}

// Warm the gateway (JIT, connections) on small requests.
await runConstantRate(rps, 2000, sendSmall);
const rssBefore = rss();

// The gateway's event-loop delay over each phase (its longest main-thread stall), read from /metrics.
await scrapeLoopDelay(gateway.match);
const baseline: RateRunSummary = summarizeRun(await runConstantRate(rps, durationMs, sendSmall));
const baselineLoop = await scrapeLoopDelay(gateway.match);
const rssSamples: number[] = [];
const sampler = setInterval(() => rssSamples.push(rss().nowBytes), 100);
const hostileRun = sender.run() as Promise<{ clients: number; bodyBytes: number; kinds: string[]; statuses: Record<string, number> }>;
const loaded: RateRunSummary = summarizeRun(await runConstantRate(rps, durationMs, sendSmall));
const hostileResult = await hostileRun;
const loadedLoop = await scrapeLoopDelay(gateway.match);
clearInterval(sampler);
const rssAfter = rss();

await smallPool.close();
await stopProcess(gateway.child);
await stopProcess(upstream.child);
await stopProcess(bulkUpstream.child);

const fiveHundreds = Object.entries(hostileResult.statuses).filter(([key]) => / 5\d\d /.test(key)).reduce((sum, [, count]) => sum + count, 0);
const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, loadavg: loadavg() },
  rps,
  seconds: durationMs / 1000,
  hostile: { ...hostileResult, fiveHundreds },
  small: { baseline, withHostileBodies: loaded },
  gatewayEventLoopDelayMs: { baseline: baselineLoop, withHostileBodies: loadedLoop },
  rss: { beforeMiB: mib(rssBefore.nowBytes), maxSampledMiB: mib(Math.max(...rssSamples)), peakMiB: mib(rssAfter.peakBytes), afterMiB: mib(rssAfter.nowBytes) },
  targets: { p99Ms: targets.p99Ms, peakRssMiB: mib(targets.peakRssBytes) },
  pass: loaded.latency.p99 <= targets.p99Ms && rssAfter.peakBytes <= targets.peakRssBytes && fiveHundreds === 0 && loaded.errors === 0,
};
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

console.log(`\nSmall requests at ${rps} RPS, ${durationMs / 1000}s per phase; ${clients} clients sending 4 MiB hostile bodies back to back`);
const row = (name: string, summary: RateRunSummary, loop: LoopDelay): Record<string, string | number> => ({ phase: name, p50: summary.latency.p50, p90: summary.latency.p90, p99: summary.latency.p99, max: summary.latency.max, "achieved RPS": summary.achievedRps, errors: summary.errors, "gateway loop delay max": loop.maxMs, "loop p99": loop.p99Ms });
console.table([row("small alone", baseline, baselineLoop), row("small + hostile bodies", loaded, loadedLoop)]);
console.table(report.hostile.statuses);
console.log(`small p99 ${loaded.latency.p99} ms (target ≤ ${targets.p99Ms}); gateway RSS peak ${report.rss.peakMiB} MiB (target ≤ ${mib(targets.peakRssBytes)}), before ${report.rss.beforeMiB}, after ${report.rss.afterMiB}; 5xx ${fiveHundreds}: ${report.pass ? "PASS" : "MISS"}`);
console.log(`Saved ${values.out}`);
