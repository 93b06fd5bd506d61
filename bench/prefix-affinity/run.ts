// Prefix affinity vs round-robin in front of 3 `gantry engine` processes: multi-turn chats whose prompts grow turn by
// turn, so a replica that already holds a conversation's KV cache only prefills the new turn.
// Usage: npx tsx bench/prefix-affinity/run.ts [--conversations 12] [--turns 6] [--concurrency 3] [--parallel 2]
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startProcess, stopProcess, type Started } from "../lib/processes.js";
import { summarize } from "../lib/stats.js";
import { createStreamClient, type StreamTiming } from "../engine/stream-client.js";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "12" },
    turns: { type: "string", default: "6" },
    concurrency: { type: "string", default: "3" },
    parallel: { type: "string", default: "2" },
    "user-words": { type: "string", default: "100" },
    "max-tokens": { type: "string", default: "32" },
    model: { type: "string", default: "../shared/models/stories260K.gguf" },
    out: { type: "string", default: "bench/prefix-affinity/results.json" },
  },
});
const conversations = Number(values.conversations);
const turns = Number(values.turns);
const concurrency = Number(values.concurrency);
const userWords = Number(values["user-words"]);
const maxTokens = Number(values["max-tokens"]);
const root = new URL("../..", import.meta.url).pathname;
// Other work on the same host skews the numbers; the load averages go into the JSON so a reader can tell.
const loadAtStart = loadavg().map(round);
const work = mkdtempSync(join(tmpdir(), "gantry-affinity-"));
const strategies = ["round-robin", "prefix-affinity"] as const;
const system = "You are a storyteller. Continue the story in simple words for a small child.";
const words = "once upon a time there was a little girl named lily she loved to play with her red ball in the big green park one day she saw a small dog who was sad because he lost his bone".split(" ");

/** A deterministic PRNG (mulberry32), so every run sends the same conversations. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
}

function userTurn(random: () => number, conversation: number, turn: number): string {
  const text = Array.from({ length: userWords }, () => words[Math.floor(random() * words.length)] ?? "the").join(" ");
  return `Story ${conversation}, part ${turn + 1}: ${text}.`;
}

interface Turn {
  strategy: string;
  conversation: number;
  turn: number;
  timing: StreamTiming;
}

interface EngineLoad {
  promptTokens: number;
  cachedTokens: number;
}

/** Sums the prompt and prefix-cache-hit counters over the engines' Prometheus /metrics. */
async function engineLoad(origins: readonly string[]): Promise<EngineLoad> {
  const total: EngineLoad = { promptTokens: 0, cachedTokens: 0 };
  for (const origin of origins) {
    const text = await (await fetch(`${origin}/metrics`)).text();
    for (const line of text.split("\n")) {
      const value = Number(line.slice(line.lastIndexOf(" ") + 1));
      if (line.startsWith("vllm:prompt_tokens_total")) total.promptTokens += value;
      if (line.startsWith("vllm:prefix_cache_hits_total")) total.cachedTokens += value;
    }
  }
  return total;
}

async function waitHealthy(origin: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const status = await fetch(`${origin}/health`).then((response) => response.status, () => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${origin} never became healthy`);
}

const children: Started[] = [];
try {
  const engines = [];
  // Started one after another: three model loads at once on two cores only slow each other down.
  for (let index = 0; index < 3; index++) {
    const engine = await startProcess("node", ["--import", "tsx", join(root, "src/cli/gantry.ts"), "engine", "--model", values.model, "--port", "0", "--parallel", values.parallel, "--threads", "1", "--log-level", "info"], /"url":"(http:[^"]+)"/);
    children.push(engine);
    await waitHealthy(engine.match);
    engines.push(engine.match);
  }
  const served = values.model.replace(/^.*\//, "").replace(/\.gguf$/i, "");
  const deployments = engines.map((origin) => `      - { provider: openai-compatible, base_url: "${origin}/v1", upstream_model: ${served} }`).join("\n");
  const models = strategies.map((strategy) => `  - name: ${strategy}\n    routing: { strategy: ${strategy} }\n    deployments:\n${deployments}`).join("\n");
  const configFile = join(work, "gantry.yaml");
  writeFileSync(configFile, `server: { port: 0 }\ndatabase: { path: "${join(work, "gantry.db")}" }\nlogging: { level: info, requests: false }\nmodels:\n${models}\n`);
  const gateway = await startProcess("node", ["--import", "tsx", join(root, "src/cli/gantry.ts"), "serve", "--config", configFile], /"url":"(http:[^"]+)"/);
  children.push(gateway);
  const client = createStreamClient(gateway.match, concurrency * 2);

  /** Runs every conversation to the end, `concurrency` at a time; turns of one conversation are sequential. */
  async function phase(strategy: string, seed: number, count: number): Promise<Turn[]> {
    const results: Turn[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const conversation = next++;
          const random = seeded(seed * 1000 + conversation);
          const messages: { role: string; content: string }[] = [{ role: "system", content: system }];
          for (let turn = 0; turn < turns; turn++) {
            messages.push({ role: "user", content: userTurn(random, conversation, turn) });
            const timing = await client.post("/v1/chat/completions", { model: strategy, messages, max_tokens: maxTokens, temperature: 0, seed: 1 });
            messages.push({ role: "assistant", content: timing.text === "" ? "..." : timing.text });
            results.push({ strategy, conversation, turn, timing });
          }
        }
      }),
    );
    return results;
  }

  // Warm-up on its own conversations (JIT, connections, the engines' first decode); not reported.
  for (const strategy of strategies) await phase(strategy, 99 + strategies.indexOf(strategy), concurrency);
  const summaries = [];
  const allTurns: Turn[] = [];
  // Each strategy gets its own (equally sized) conversations, so neither finds the other's prompts cached.
  for (const [position, strategy] of strategies.entries()) {
    const before = await engineLoad(engines);
    const started = performance.now();
    const results = await phase(strategy, position + 1, conversations);
    const seconds = (performance.now() - started) / 1000;
    const after = await engineLoad(engines);
    allTurns.push(...results);
    const ttft = summarize(results.map((item) => item.timing.ttftMs));
    const e2e = summarize(results.map((item) => item.timing.e2eMs));
    const promptTokens = after.promptTokens - before.promptTokens;
    const cachedTokens = after.cachedTokens - before.cachedTokens;
    summaries.push({
      strategy,
      requests: results.length,
      failed: results.filter((item) => Number.isNaN(item.timing.ttftMs)).length,
      seconds: round(seconds),
      ttft,
      e2e,
      maxPromptTokens: Math.max(...results.map((item) => item.timing.promptTokens)),
      engineCachedShare: round(cachedTokens / Math.max(1, promptTokens)),
      engineCachedTokens: cachedTokens,
      enginePromptTokens: promptTokens,
    });
  }
  await client.close();

  const [roundRobin, affinity] = summaries as [(typeof summaries)[number], (typeof summaries)[number]];
  const reduction = 1 - affinity.ttft.mean / roundRobin.ttft.mean;
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map(round) },
    setup: {
      engines: `3 × gantry engine (${values.model}, --threads 1 --parallel ${values.parallel}), one gateway process, the client: all on 127.0.0.1`,
      oversubscription: `3 engine processes with 1 decode thread each, plus the gateway and the client, on ${cpus().length} CPU cores`,
      workload: `${conversations} conversations × ${turns} turns, ${concurrency} conversations at a time, ${userWords}-word seeded user turns, max_tokens ${maxTokens}, temperature 0, streamed`,
      target: "≥ 30% lower mean TTFT with prefix-affinity than round-robin",
    },
    summaries,
    meanTtftReduction: round(reduction),
    targetMet: reduction >= 0.3,
    turns: allTurns.map((item) => ({ strategy: item.strategy, conversation: item.conversation, turn: item.turn, ttftMs: round(item.timing.ttftMs), e2eMs: round(item.timing.e2eMs), promptTokens: item.timing.promptTokens, cachedTokens: item.timing.cachedTokens })),
  };
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${report.setup.engines}\nNote: ${report.setup.oversubscription}, so the CPUs are oversubscribed.\n${report.setup.workload}:`);
  console.table(
    summaries.map((item) => ({
      strategy: item.strategy,
      requests: item.requests,
      failed: item.failed,
      "mean TTFT ms": item.ttft.mean.toFixed(1),
      "p50 TTFT ms": item.ttft.p50.toFixed(1),
      "p99 TTFT ms": item.ttft.p99.toFixed(1),
      "mean E2E ms": item.e2e.mean.toFixed(1),
      "max prompt tokens": item.maxPromptTokens,
      "prompt tokens cached": `${(item.engineCachedShare * 100).toFixed(1)}%`,
    })),
  );
  console.log(`Mean TTFT with prefix-affinity is ${(reduction * 100).toFixed(1)}% lower than round-robin (target ≥ 30%: ${report.targetMet ? "met" : "missed"}).`);
  console.log(`Saved ${values.out}`);
} finally {
  await Promise.all(children.map((started) => stopProcess(started.child)));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
