// The embedded engine: aggregate output tokens/s and TTFT at several concurrencies, through the gateway (HTTP,
// streaming) and with node-llama-cpp called directly (the ceiling), interleaved level by level in one run;
// then the TTFT saving of KV-cache reuse on a ~1,500-token conversation.
// Usage: npx tsx bench/engine/run.ts [--levels 1,4,16] [--max-tokens 128] [--tokens-per-level 6144] [--out bench/engine/results.json]
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pino from "pino";
import { parseConfig } from "../../src/config/load-config.js";
import { startGateway } from "../../src/main.js";
import { startProcess, stopProcess } from "../lib/processes.js";
import { summarize } from "../lib/stats.js";
import { runClosedLoop, type LevelResult } from "./closed-loop.js";
import { createDirectEngine } from "./direct-engine.js";
import { createStreamClient, type StreamTiming } from "./stream-client.js";

const { values } = parseArgs({
  options: {
    levels: { type: "string", default: "1,4,16" },
    "max-tokens": { type: "string", default: "128" },
    "tokens-per-level": { type: "string", default: "6144" },
    threads: { type: "string", default: "1" },
    "kv-rounds": { type: "string", default: "5" },
    /** `process`: `gantry engine` as its own process, as deployed; `in-process`: the gateway inside this process. */
    gateway: { type: "string", default: "process" },
    out: { type: "string", default: "bench/engine/results.json" },
  },
});
const levels = values.levels.split(",").map(Number);
const maxTokens = Number(values["max-tokens"]);
const tokensPerLevel = Number(values["tokens-per-level"]);
const threads = Number(values.threads);
const parallel = Math.max(...levels);
const root = new URL("../..", import.meta.url).pathname;
const modelPath = join(root, "../shared/models/stories260K.gguf");
const contextSize = 2048;
const animals = ["cat", "dog", "bird", "fish", "fox", "bear", "frog", "duck"];
// Every request gets its own prompt, so neither side profits from a cached prefix in the throughput runs.
const promptFor = (worker: number, round: number): string => `Once upon a time there was a ${animals[(worker + round) % animals.length]} called number ${worker * 1000 + round}`;

process.stdout.write(`engine bench: ${cpus()[0]?.model ?? "cpu"} × ${availableParallelism()}, load ${loadavg().map((value) => value.toFixed(2)).join(" ")}, threads ${threads}, parallel ${parallel}, ${maxTokens} tokens per request\n`);

const direct = await createDirectEngine(modelPath, { contextSize, parallel, threads });
const gateway = await startEngineServer(values.gateway === "in-process");
const client = createStreamClient(gateway.url, parallel * 2);
const viaGateway = (worker: number, round: number): Promise<StreamTiming> =>
  client.post("/v1/completions", { model: "story", prompt: promptFor(worker, round), max_tokens: maxTokens, temperature: 1, top_p: 1, seed: worker * 7919 + round, ignore_eos: true });
const viaDirect = (worker: number, round: number): Promise<StreamTiming> => direct.run(promptFor(worker, round), maxTokens, worker * 7919 + round);

// Warm both paths (first decode allocates buffers; first HTTP request opens sockets).
await runClosedLoop(Math.min(4, parallel), 2, viaDirect);
await runClosedLoop(Math.min(4, parallel), 2, viaGateway);

interface LevelComparison {
  concurrency: number;
  direct: LevelResult;
  gateway: LevelResult;
  ratio: number;
}
const comparisons: LevelComparison[] = [];
for (const concurrency of levels) {
  const perWorker = Math.max(2, Math.round(tokensPerLevel / (concurrency * maxTokens)));
  const directResult = await runClosedLoop(concurrency, perWorker, viaDirect);
  const gatewayResult = await runClosedLoop(concurrency, perWorker, viaGateway);
  comparisons.push({ concurrency, direct: directResult, gateway: gatewayResult, ratio: Math.round((gatewayResult.tokensPerSecond / directResult.tokensPerSecond) * 1000) / 1000 });
}
await direct.dispose();

// KV reuse: each round is a new ~1,500-token conversation (cold: nothing cached but BOS and the template's start),
// then its follow-up turn (warm: the whole conversation is in a sequence's cache).
const story = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. ";
const cold: number[] = [];
const warm: number[] = [];
const kvUsage: { promptTokens: number; cachedTokens: number }[] = [];
const kvRounds = Number(values["kv-rounds"]);
for (let round = 0; round < kvRounds; round++) {
  const history = [
    { role: "system", content: `Story circle number ${round}. You are a storyteller.` },
    { role: "user", content: `${round} ${story.repeat(42)}` },
  ];
  const first = await collectChat(history);
  cold.push(first.timing.ttftMs);
  const followUp = await collectChat([...history, { role: "assistant", content: first.text }, { role: "user", content: "What happened next?" }]);
  warm.push(followUp.timing.ttftMs);
  kvUsage.push({ promptTokens: followUp.promptTokens, cachedTokens: followUp.timing.cachedTokens });
}
await client.close();
await gateway.stop();

const coldSummary = summarize(cold);
const warmSummary = summarize(warm);
const first = comparisons[0];
const last = comparisons.at(-1);
const results = {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), loadavgAtEnd: loadavg() },
  settings: { model: "stories260K.gguf", gateway: values.gateway, threads, parallel, contextSize, maxTokens, tokensPerLevel, sampling: "temperature 1, top_p 1, seeded, ignore_eos" },
  levels: comparisons,
  targets: {
    gatewayOverDirectAtMaxConcurrency: { target: 0.9, measured: last?.ratio },
    ttftP50AtMaxOverTtftP50AtOne: { target: 3, measured: first === undefined || last === undefined ? undefined : round(last.gateway.ttftMs.p50 / first.gateway.ttftMs.p50) },
  },
  kvReuse: { rounds: kvRounds, followUpPromptTokens: kvUsage.map((usage) => usage.promptTokens), cachedTokens: kvUsage.map((usage) => usage.cachedTokens), ttftColdMs: coldSummary, ttftWarmMs: warmSummary, speedup: round(coldSummary.p50 / warmSummary.p50) },
};
writeFileSync(resolve(root, values.out), `${JSON.stringify(results, null, 2)}\n`);

const rows = comparisons.map((level) =>
  [
    String(level.concurrency).padStart(11),
    String(level.direct.tokensPerSecond).padStart(12),
    String(level.gateway.tokensPerSecond).padStart(13),
    level.ratio.toFixed(3).padStart(6),
    `${level.direct.ttftMs.p50.toFixed(1)} / ${level.direct.ttftMs.p99.toFixed(1)}`.padStart(20),
    `${level.gateway.ttftMs.p50.toFixed(1)} / ${level.gateway.ttftMs.p99.toFixed(1)}`.padStart(21),
  ].join(" | "),
);
process.stdout.write(
  [
    "",
    "concurrency | direct tok/s | gateway tok/s |  ratio | direct TTFT p50/p99 ms | gateway TTFT p50/p99 ms",
    ...rows,
    "",
    `target: gateway ≥ 0.9 × direct at concurrency ${last?.concurrency}: ${last?.ratio.toFixed(3)}`,
    `target: gateway TTFT p50 at concurrency ${last?.concurrency} ≤ 3 × at concurrency ${first?.concurrency}: ${results.targets.ttftP50AtMaxOverTtftP50AtOne.measured}×`,
    `KV reuse on a ${kvUsage[0]?.promptTokens ?? "?"}-token follow-up (${kvUsage[0]?.cachedTokens ?? "?"} cached): TTFT p50 ${coldSummary.p50.toFixed(1)} ms cold → ${warmSummary.p50.toFixed(1)} ms warm (${results.kvReuse.speedup}× faster)`,
    `saved to ${values.out}`,
    "",
  ].join("\n"),
);

/** Starts the engine server: `gantry engine` in a child process, or `startGateway` here. */
async function startEngineServer(inProcess: boolean): Promise<{ url: string; stop(): Promise<void> }> {
  let server: { url: string; stop(): Promise<void> };
  if (inProcess) {
    const config = parseConfig(
      `server: { port: 0 }\nlogging: { level: warn, requests: false }\nmodels:\n  - name: story\n    deployments:\n      - { provider: llama-cpp, model: "${modelPath}", context_size: ${contextSize}, parallel: ${parallel}, queue_size: 256, threads: ${threads} }\n`,
    );
    const running = await startGateway(config, { logger: pino({ level: "warn" }) });
    server = { url: running.url, stop: () => running.close() };
  } else {
    const args = ["--import", "tsx", join(root, "src/cli/gantry.ts"), "engine", "--model", modelPath, "--served-model-name", "story", "--port", "0"];
    args.push("--parallel", String(parallel), "--threads", String(threads), "--context-size", String(contextSize), "--queue-size", "256", "--log-level", "info");
    const started = await startProcess("node", args, /"url":"(http:[^"]+)"/);
    server = { url: started.match, stop: () => stopProcess(started.child) };
  }
  for (let attempt = 0; (await fetch(`${server.url}/v1/models`).then((response) => response.status, () => 0)) !== 200 || !(await isReady(server.url)); attempt++) {
    if (attempt > 300) throw new Error("the engine did not become ready");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return server;
}

async function isReady(url: string): Promise<boolean> {
  const response = await fetch(`${url}/readyz`);
  return response.status === 200;
}

/** One streamed chat request, timed; returns the answer too so the follow-up turn can quote it. */
async function collectChat(messages: { role: string; content: string }[]): Promise<{ timing: StreamTiming; text: string; promptTokens: number }> {
  const timing = await client.post("/v1/chat/completions", { model: "story", messages, max_tokens: 16, seed: 1 });
  return { timing, text: timing.text, promptTokens: timing.promptTokens };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
