// Interactive latency while a batch runs: the same constant-rate interactive load against one gateway, first idle, then
// while a 10,000-line batch runs on it (same upstream). Target: interactive p99 under the batch within 20% of idle.
// Usage: npm run build && npx tsx bench/batch-interference/run.ts [--gateway dist|source] [--rps 50] [--seconds 20]
//        [--lines 10000] [--upstream-delay-ms 20] [--out bench/batch-interference/results.json]
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunSummary } from "../lib/constant-rate.js";
import { gantryEntry, startProcess, stopProcess } from "../lib/processes.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
    lines: { type: "string", default: "10000" },
    "upstream-delay-ms": { type: "string", default: "20" },
    gateway: { type: "string", default: "dist" },
    out: { type: "string", default: "bench/batch-interference/results.json" },
  },
});
const rps = Number(values.rps);
const durationMs = Number(values.seconds) * 1000;
const lineCount = Number(values.lines);
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(join(tmpdir(), "gantry-batch-interference-"));

const upstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/, { env: { FAKE_DELAY_MS: values["upstream-delay-ms"] } });
const configFile = join(work, "gantry.yaml");
writeFileSync(
  configFile,
  `server: { port: 0 }
logging: { level: info, requests: false }
database: { path: "${join(work, "gantry.db")}" }
batch: { files_dir: "${join(work, "files")}", poll_ms: 200 }
models:
  - name: story
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.match}", upstream_model: tiny }
`,
);
const gateway = await startProcess("node", [...gantryEntry(values.gateway, root), "serve", "--config", configFile], /"url":"(http:[^"]+)"/);
const url = gateway.match;
const pool = new Pool(url, { connections: 64 });
const interactiveBody = JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }] });
const send = async (): Promise<void> => {
  const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body: interactiveBody });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
};

async function batchStatus(id: string): Promise<{ status: string; request_counts: { total: number; completed: number; failed: number } }> {
  return (await (await fetch(`${url}/v1/batches/${id}`)).json()) as { status: string; request_counts: { total: number; completed: number; failed: number } };
}

try {
  // Warm-up, then the idle phase.
  await runConstantRate(rps, 2000, send);
  const idle: RateRunSummary = summarizeRun(await runConstantRate(rps, durationMs, send));

  const lines = Array.from({ length: lineCount }, (_unused, index) => JSON.stringify({ custom_id: `r${index}`, method: "POST", url: "/v1/chat/completions", body: { model: "story", messages: [{ role: "user", content: `batch line ${index}` }] } }));
  const form = new FormData();
  form.append("purpose", "batch");
  form.append("file", new Blob([lines.join("\n")]), "batch.jsonl");
  const file = (await (await fetch(`${url}/v1/files`, { method: "POST", body: form })).json()) as { id: string };
  const created = (await (await fetch(`${url}/v1/batches`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }) })).json()) as { id: string };
  while ((await batchStatus(created.id)).status === "validating") await new Promise((resolve) => setTimeout(resolve, 100));
  const before = (await batchStatus(created.id)).request_counts.completed;
  const underBatch: RateRunSummary = summarizeRun(await runConstantRate(rps, durationMs, send));
  const after = await batchStatus(created.id);
  const batchLinesPerSecond = Math.round(((after.request_counts.completed - before) / durationMs) * 1000 * 10) / 10;
  const ratio = Math.round((underBatch.latency.p99 / idle.latency.p99) * 100) / 100;

  const row = (name: string, idleValue: number, batchValue: number): string => `${name.padEnd(22)}${String(idleValue).padStart(12)}${String(batchValue).padStart(16)}`;
  process.stdout.write(`\ninteractive ${rps} rps for ${durationMs / 1000} s; batch of ${lineCount} lines (upstream delay ${values["upstream-delay-ms"]} ms)\n`);
  process.stdout.write(`${"".padEnd(22)}${"idle".padStart(12)}${"batch running".padStart(16)}\n`);
  process.stdout.write(`${row("p50 ms", idle.latency.p50, underBatch.latency.p50)}\n${row("p90 ms", idle.latency.p90, underBatch.latency.p90)}\n${row("p99 ms", idle.latency.p99, underBatch.latency.p99)}\n`);
  process.stdout.write(`${row("errors", idle.errors, underBatch.errors)}\n${row("achieved rps", idle.achievedRps, underBatch.achievedRps)}\n`);
  process.stdout.write(`p99 ratio ${ratio} (target ≤ 1.2: ${ratio <= 1.2 ? "met" : "missed"}); batch lines/s during the phase: ${batchLinesPerSecond}; batch ${after.status} ${JSON.stringify(after.request_counts)}\n`);
  const results = { date: new Date().toISOString(), gateway: values.gateway, rps, seconds: durationMs / 1000, lines: lineCount, upstreamDelayMs: Number(values["upstream-delay-ms"]), idle, underBatch, p99Ratio: ratio, targetMet: ratio <= 1.2, batchLinesPerSecond, batchAtEnd: after };
  writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`saved ${values.out}\n`);
} finally {
  await pool.close();
  await stopProcess(gateway.child);
  await stopProcess(upstream.child);
}
