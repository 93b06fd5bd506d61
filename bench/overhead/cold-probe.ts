// Cold probe: what the first requests after start pay. Starts a fake upstream and a fresh gateway, then sends
// requests one at a time (no queueing), printing each of the first ones' latency and the latency of the same request warm.
// It also reads the gateway's CPU time from /proc around the first requests and around as many warm ones: CPU per
// request does not count waiting for a core, so it compares cold and warm fairly on a loaded host.
// Usage: npm run build && npx tsx bench/overhead/cold-probe.ts [--gateway-root DIR] [--requests 20] [--stream] [--cpu-prof-dir DIR] [--warm-up-requests N]
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { gantryEntry, processCpuMs, startProcess, stopProcess } from "../lib/processes.js";

const { values } = parseArgs({ options: { "gateway-root": { type: "string" }, requests: { type: "string", default: "20" }, stream: { type: "boolean", default: false }, "cpu-prof-dir": { type: "string" }, "warm-up-requests": { type: "string" } } });
const root = new URL("../..", import.meta.url).pathname;
const gatewayRoot = values["gateway-root"] ?? root;
const work = mkdtempSync(join(tmpdir(), "gantry-cold-"));
const upstream = await startProcess(join(root, "node_modules/.bin/tsx"), [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const configFile = join(work, "gantry.yaml");
const warmUp = values["warm-up-requests"] === undefined ? "" : `, warm_up_requests: ${values["warm-up-requests"]}`;
writeFileSync(configFile, `server: { port: 0${warmUp} }\ndatabase: { path: "${join(work, "gantry.db")}" }\nlogging: { level: info, requests: true }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.match}", upstream_model: tiny }\n`);
// The fake upstream is warmed first (its own cold start is not the gateway's).
const direct = new Pool(new URL(upstream.match).origin, { connections: 4 });
const directBody = JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "Hello" }], ...(values.stream ? { stream: true } : {}) });
for (let index = 0; index < 300; index++) await (await direct.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body: directBody })).body.text();
await direct.close();
const profileFlags = values["cpu-prof-dir"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof-dir"]}`];
const begun = performance.now();
const gateway = await startProcess("node", [...profileFlags, ...gantryEntry("dist", gatewayRoot), "serve", "--config", configFile], /"url":"(http:[^"]+)"/, { logFile: join(work, "gateway.log") });
const startupMs = performance.now() - begun;
const pool = new Pool(gateway.match, { connections: 4 });
const body = JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }], ...(values.stream ? { stream: true } : {}) });

async function once(): Promise<number> {
  const started = performance.now();
  const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  return performance.now() - started;
}

/** The gateway's user + system CPU time so far, in ms. */
const cpuMs = (): number => processCpuMs(gateway.child.pid ?? 0);

const requests = Number(values.requests);
const coldCpuStart = cpuMs();
const first: number[] = [];
for (let index = 0; index < requests; index++) first.push(await once());
const coldCpu = cpuMs() - coldCpuStart;
// Warm: 200 more, then as many as the cold ones (CPU) and the median of their latencies.
for (let index = 0; index < 200; index++) await once();
const warmCpuStart = cpuMs();
const warm: number[] = [];
for (let index = 0; index < requests; index++) warm.push(await once());
const warmCpu = cpuMs() - warmCpuStart;
warm.sort((a, b) => a - b);
await pool.close();
await stopProcess(gateway.child);
await stopProcess(upstream.child);
const fixed = (value: number): string => value.toFixed(1);
const shown = first.slice(0, 20);
console.log(`gateway ${gatewayRoot} ${values.stream ? "stream" : "non-stream"}: startup ${fixed(startupMs)} ms; first requests (ms): ${shown.map(fixed).join(" ")}${first.length > shown.length ? " …" : ""}; warm median ${fixed(warm[Math.floor(warm.length / 2)] ?? Number.NaN)} ms`);
console.log(`gateway CPU for the first ${requests} requests ${coldCpu} ms (${fixed(coldCpu / requests)} per request); for ${requests} warm ones ${warmCpu} ms (${fixed(warmCpu / requests)} per request)`);
