// Shadow traffic's cost to the client: p99 latency of the same load through a gateway with shadow off and one
// mirroring 100% of requests to a candidate version, printed side by side (target: within 1 ms) and saved as JSON.
// Usage: npx tsx bench/shadow/run.ts [--requests 2000] [--concurrency 8] [--out bench/shadow/results.json]
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { summarize, type LatencySummary } from "../lib/stats.js";
import { startFakeUpstream } from "../../test/helpers/fake-upstream.js";
import { startTestGateway } from "../../test/helpers/gateway.js";
import type { RunningGateway } from "../../src/main.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "8" },
    out: { type: "string", default: "bench/shadow/results.json" },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const body = JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }] });

async function gateway(primaryUrl: string, shadow: string): Promise<RunningGateway> {
  return startTestGateway(`admin: { open_on_loopback: true }\n${shadow}\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${primaryUrl}", upstream_model: tiny }\n`);
}

async function load(url: string): Promise<LatencySummary> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) {
        const started = performance.now();
        const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
        await response.arrayBuffer();
        latencies.push(performance.now() - started);
      }
    }),
  );
  return summarize(latencies);
}

const primary = await startFakeUpstream();
const candidate = await startFakeUpstream();
const off = await gateway(primary.baseUrl, "");
const on = await gateway(primary.baseUrl, "registry: { shadow: { story: { version: 2, percent: 100, max_concurrency: 64, budget_usd_per_day: 1000, scorer: similarity } } }");
await fetch(`${on.url}/admin/models/story/versions`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ deployments: [{ provider: "openai-compatible", base_url: candidate.baseUrl, upstream_model: "tiny-2" }] }),
});
// One warm-up pass per gateway, then one measured pass each.
await load(off.url);
await load(on.url);
const results = { shadow_off: await load(off.url), shadow_on: await load(on.url) };
const delta = results.shadow_on.p99 - results.shadow_off.p99;
console.log(`${"".padEnd(10)}${"shadow off".padStart(12)}${"shadow 100%".padStart(13)}`);
for (const key of ["p50", "p90", "p99", "max"] as const) console.log(`${key.padEnd(10)}${results.shadow_off[key].toFixed(3).padStart(12)}${results.shadow_on[key].toFixed(3).padStart(13)}`);
console.log(`p99 delta ${delta.toFixed(3)} ms (target ≤ 1 ms); mirrored calls: ${candidate.calls.length}`);
writeFileSync(values.out, `${JSON.stringify({ requests, concurrency, ...results, p99_delta_ms: delta, mirrored: candidate.calls.length }, null, 2)}\n`);
await on.close();
await off.close();
await primary.close();
await candidate.close();
