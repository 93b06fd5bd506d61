// How long one 4 MiB body blocks the gateway's main thread: with no other load, sends each kind of big body (the
// big-body bench's 64 × 63 KiB chat, and the hostile-bodies bench's kinds, 8 at once) and reads the gateway's
// event-loop delay (prom-client's monitorEventLoopDelay, from /metrics) over each phase. The longest delay is the
// longest synchronous slice, which every other request waits behind; unlike client p99s it barely depends on what
// else runs on a shared host. Target: max ≤ 50 ms per phase (tens of milliseconds, issue 13). On a loaded host the wall
// clock delay also counts the time the gateway waited for a core, so a monitor preloaded into the gateway also reports
// the most CPU time (process.cpuUsage, all threads) spent between two ticks of a 1 ms timer: the slice's own cost.
// Usage: npx tsx bench/body-blocking/run.ts [--gateway dist|source] [--repeat 3] [--parallel 8] [--only SUBSTRING] [--cpu-prof-dir DIR] [--gateway-root DIR]
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { bigChatBody, hostileBodies, hostilePath } from "../lib/big-bodies.js";
import { scrapeLoopDelay, type LoopDelay } from "../lib/event-loop-delay.js";
import { gantryEntry, startProcess, stopProcess } from "../lib/processes.js";

const { values } = parseArgs({
  options: {
    repeat: { type: "string", default: "3" },
    parallel: { type: "string", default: "8" },
    only: { type: "string" },
    "cpu-prof-dir": { type: "string" },
    gateway: { type: "string", default: "dist" },
    // Another checkout's build (e.g. a worktree of the base commit), to compare before and after under the same load.
    "gateway-root": { type: "string" },
    out: { type: "string", default: "bench/body-blocking/results.json" },
  },
});
const repeat = Number(values.repeat);
const parallel = Number(values.parallel);
const targetMaxMs = 50;
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(join(tmpdir(), "gantry-body-blocking-"));

const upstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const configFile = join(work, "gantry.yaml");
// max_prompt_tokens is raised so big bodies take the whole path (validation, tokenizing, forwarding) rather than a 400.
writeFileSync(configFile, `server: { port: 0 }\ndatabase: { path: "${join(work, "gantry.db")}" }\nlogging: { level: info, requests: true }\nlimits: { max_prompt_tokens: 10000000 }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.match}", upstream_model: tiny }\n`);
const cpuFile = join(work, "loop-cpu");
// Preloaded into the gateway: SIGUSR2 writes the largest CPU time between two ticks since the previous signal, and resets it.
const cpuMonitor = `import { writeFileSync } from "node:fs";
let last = process.cpuUsage(); let max = 0;
setInterval(() => { const now = process.cpuUsage(); max = Math.max(max, (now.user - last.user + now.system - last.system) / 1000); last = now; }, 1).unref();
process.on("SIGUSR2", () => { writeFileSync(${JSON.stringify(cpuFile)}, String(max)); max = 0; });`;
const profileFlags = values["cpu-prof-dir"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof-dir"]}`];
const gateway = await startProcess("node", [...profileFlags, "--import", `data:text/javascript,${encodeURIComponent(cpuMonitor)}`, ...gantryEntry(values.gateway, values["gateway-root"] ?? root), "serve", "--config", configFile], /"url":"(http:[^"]+)"/, { logFile: join(work, "gateway.log") });
const pool = new Pool(gateway.match, { connections: parallel });

/** Sends one body; its status and error code, or the transport error (a reset is a failure as much as a 5xx). */
async function send(path: string, body: string): Promise<string> {
  try {
    const response = await pool.request({ path, method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await response.body.text();
    return response.statusCode === 200 ? "200" : `${response.statusCode} ${(JSON.parse(text) as { error?: { code?: string } }).error?.code ?? "?"}`;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** The most CPU time between two event-loop ticks since the previous call, from the preloaded monitor. */
async function sliceCpuMs(): Promise<number> {
  gateway.child.kill("SIGUSR2");
  await new Promise((resolve) => setTimeout(resolve, 200));
  return Math.round(Number(readFileSync(cpuFile, "utf8")) * 100) / 100;
}

type PhaseResult = LoopDelay & { sliceCpuMaxMs: number; statuses: Record<string, number> };

/** Runs `rounds` rounds of `count` bodies at once; the loop delay over all of them and the statuses seen. */
async function phase(path: string, body: string, count: number, rounds: number): Promise<PhaseResult> {
  const statuses: Record<string, number> = {};
  await scrapeLoopDelay(gateway.match);
  await sliceCpuMs();
  for (let round = 0; round < rounds; round++) {
    for (const status of await Promise.all(Array.from({ length: count }, () => send(path, body)))) statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const delay = await scrapeLoopDelay(gateway.match);
  return { ...delay, sliceCpuMaxMs: await sliceCpuMs(), statuses };
}

const bodies: Record<string, { path: string; body: string; count: number }> = { "64 × 63 KiB chat": { path: "/v1/chat/completions", body: bigChatBody("story"), count: 1 } };
for (const [kind, body] of Object.entries(hostileBodies("story", "story"))) bodies[`${parallel} × ${kind}`] = { path: hostilePath(kind), body, count: parallel };
for (const name of Object.keys(bodies)) if (values.only !== undefined && !name.includes(values.only)) delete bodies[name];

// Warm the gateway (JIT) on each kind once.
for (const { path, body } of Object.values(bodies)) await send(path, body);
await scrapeLoopDelay(gateway.match);
await new Promise((resolve) => setTimeout(resolve, 1000));
const idle = await scrapeLoopDelay(gateway.match);
const phases: Record<string, PhaseResult> = {};
for (const [name, { path, body, count }] of Object.entries(bodies)) phases[name] = await phase(path, body, count, repeat);

await pool.close();
await stopProcess(gateway.child);
await stopProcess(upstream.child);

const worst = Math.max(...Object.values(phases).map((result) => result.maxMs));
const worstCpu = Math.max(...Object.values(phases).map((result) => result.sliceCpuMaxMs));
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, loadavg: loadavg() },
  repeat,
  idle,
  phases,
  worstMaxMs: worst,
  worstSliceCpuMs: worstCpu,
  targetMaxMs,
  pass: worst <= targetMaxMs,
};
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nGateway event-loop delay per phase (ms), ${repeat} rounds each; idle max ${idle.maxMs} ms; load average ${loadavg().map((value) => value.toFixed(2)).join(" ")}`);
console.table(Object.entries(phases).map(([name, result]) => ({ phase: name, "slice CPU max": result.sliceCpuMaxMs, "delay max": result.maxMs, p99: result.p99Ms, mean: result.meanMs, statuses: Object.entries(result.statuses).map(([status, n]) => `${n}× ${status}`).join(", ") })));
console.log(`worst delay max ${worst} ms (target ≤ ${targetMaxMs}): ${report.pass ? "PASS" : "MISS"}; worst slice CPU ${worstCpu} ms`);
console.log(`Saved ${values.out}`);
