import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createArrivalSchedule } from "../../src/bench/arrivals.js";
import { createBenchClient, type BenchClient } from "../../src/bench/bench-client.js";
import { computeBenchMetrics, type BenchMetrics, type RequestFigures } from "../../src/bench/bench-metrics.js";
import type { BenchPrompt } from "../../src/bench/bench-prompt.js";
import type { Endpoint } from "../../src/bench/request-runner.js";
import { runBench, type LoadOptions } from "../../src/bench/run-bench.js";
import { createSeededRandom } from "../../src/bench/seeded-random.js";
import { loadTokenizer } from "../../src/bench/tokenizer.js";
import { bench } from "../../src/cli/bench.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";

let upstream: FakeUpstream;
let client: BenchClient | undefined;

beforeEach(async () => {
  upstream = await startFakeUpstream();
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  await upstream.close();
});

const prompt: BenchPrompt = { prompt: "Tell me a story", messages: [{ role: "user", content: "Tell me a story" }], inputTokens: 4, maxOutputTokens: 16 };
const load: LoadOptions = { numPrompts: 1, durationMs: undefined, requestRate: Infinity, burstiness: 1, maxConcurrency: undefined, warmup: 0, seed: 0 };

async function measure(options: Partial<LoadOptions> & { endpoint?: Endpoint; timeoutMs?: number; slo?: { ttftMs?: number } }): Promise<{ metrics: BenchMetrics; requests: RequestFigures[] }> {
  const loadOptions: LoadOptions = { ...load, ...options };
  client = createBenchClient({
    baseUrl: upstream.baseUrl,
    endpoint: options.endpoint ?? "completions",
    model: "tiny",
    apiKey: "test-key",
    timeoutMs: options.timeoutMs ?? 5000,
    ignoreEos: true,
    connections: loadOptions.maxConcurrency,
  });
  const run = await runBench([prompt], loadOptions, { send: client.send });
  const tokenizer = await loadTokenizer();
  return computeBenchMetrics(run, { percentiles: [50, 99], slo: options.slo ?? {}, countTokens: (text) => tokenizer.count(text) });
}

describe("gantry bench against the fake upstream", () => {
  it("times scripted chunks: TTFT, ITL, TPOT and E2E", async () => {
    // Five tokens: the first after 60 ms, then one every 25 ms → TTFT 60, ITL 25, E2E 160, TPOT 25.
    upstream.defaultBehavior = { kind: "ok", text: "a b c d e", tokenDelaysMs: [60, 25, 25, 25, 25] };
    const { metrics, requests } = await measure({ numPrompts: 3, maxConcurrency: 1 });
    expect(metrics.completed).toBe(3);
    // Real timers never fire early (bar ~1 ms of rounding), so each figure is at least what the upstream scripted.
    // How late they fire depends on the machine's load: that is measured in bench/, never asserted here.
    expect(metrics.ttftMs.min).toBeGreaterThanOrEqual(58);
    expect(metrics.itlMs.count).toBe(3 * 4);
    expect(metrics.itlMs.median).toBeGreaterThanOrEqual(23);
    expect(metrics.tpotMs.mean).toBeGreaterThanOrEqual(23);
    expect(metrics.e2elMs.min).toBeGreaterThanOrEqual(156);
    for (const [position, request] of requests.entries()) {
      const timings = request.timings;
      if (timings === undefined) throw new Error("no timings");
      expect(request.outputTokens).toBe(5);
      expect(request.outputTokensFrom).toBe("usage");
      // The definitions hold exactly on the measured numbers.
      expect(timings.tpotMs).toBeCloseTo((timings.e2elMs - timings.ttftMs) / 4, 9);
      expect(timings.itlMs.reduce((sum, gap) => sum + gap, 0)).toBeCloseTo(timings.e2elMs - timings.ttftMs, 9);
      // Each request is timed from its own send: its figures fit inside its own lifetime, whatever the machine's speed.
      expect(timings.ttftMs).toBeLessThanOrEqual(timings.e2elMs);
      expect(timings.e2elMs).toBeLessThanOrEqual(request.endMs - request.sentMs + 1e-6);
      // One at a time: the next request is sent only after this one has ended.
      const next = requests[position + 1];
      if (next !== undefined) expect(next.sentMs).toBeGreaterThanOrEqual(request.endMs);
    }
    const body = upstream.calls[0]?.body;
    expect(body).toMatchObject({ model: "tiny", prompt: "Tell me a story", max_tokens: 16, stream: true, stream_options: { include_usage: true }, ignore_eos: true });
    expect(upstream.calls[0]?.headers["authorization"]).toBe("Bearer test-key");
  });

  it("chat: the role-only first chunk is not a token; without usage the tokenizer counts the output", async () => {
    upstream.defaultBehavior = { kind: "ok", text: "a b c d e", tokenDelaysMs: [50, 10, 10, 10, 10], omitUsage: true };
    const { metrics, requests } = await measure({ endpoint: "chat" });
    expect(metrics.completed).toBe(1);
    expect(metrics.ttftMs.mean).toBeGreaterThanOrEqual(48);
    expect(requests[0]?.outputTokens).toBe(5);
    expect(requests[0]?.outputTokensFrom).toBe("tokenizer");
    expect(metrics.outputTokensCountedBy).toEqual({ usage: 0, tokenizer: 1 });
    expect(upstream.calls[0]?.path).toBe("/v1/chat/completions");
  });

  it("never has more requests open than --max-concurrency", async () => {
    upstream.defaultBehavior = { kind: "ok", text: "one two three four", chunkDelayMs: 8 };
    const { metrics } = await measure({ numPrompts: 12, maxConcurrency: 3 });
    expect(metrics.completed).toBe(12);
    expect(upstream.peakOpenRequests()).toBeLessThanOrEqual(3);
    expect(metrics.peakConcurrency).toBe(3);
    expect(metrics.queueWaitMs.max).toBeGreaterThan(0);
  });

  it("keeps the limit in an open-loop run too, where arrivals queue behind the semaphore", async () => {
    upstream.defaultBehavior = { kind: "ok", text: "one two three", chunkDelayMs: 10 };
    const { metrics } = await measure({ numPrompts: 10, requestRate: 200, maxConcurrency: 2, seed: 5 });
    expect(metrics.totalRequests).toBe(10);
    expect(upstream.peakOpenRequests()).toBeLessThanOrEqual(2);
    expect(metrics.peakConcurrency).toBeLessThanOrEqual(2);
  });

  it("counts errors by type and keeps them in the denominator", async () => {
    upstream.defaultBehavior = { kind: "ok", text: "fine answer here" };
    upstream.enqueue(
      { kind: "status", status: 500 },
      { kind: "reset-before" },
      { kind: "ok", text: "fine answer here" },
      { kind: "reset-mid-stream", afterChunks: 1 },
      { kind: "hang" },
      { kind: "error-event", afterChunks: 1 },
    );
    const { metrics, requests } = await measure({ numPrompts: 7, maxConcurrency: 1, timeoutMs: 300, slo: { ttftMs: 10_000 } });
    expect(metrics.errorsByType).toEqual({ http_500: 1, connection_closed: 2, timeout: 1, stream_error: 1 });
    expect(metrics.totalRequests).toBe(7);
    expect(metrics.completed).toBe(2);
    expect(metrics.failed).toBe(5);
    expect(metrics.successRate).toBeCloseTo(2 / 7, 12);
    expect(metrics.goodRequests).toBe(2);
    expect(metrics.goodFraction).toBeCloseTo(2 / 7, 12);
    expect(metrics.goodput).toBeCloseTo(2 / metrics.durationS, 9);
    expect(requests.map((request) => request.errorType ?? "ok")).toEqual(["http_500", "connection_closed", "ok", "connection_closed", "timeout", "stream_error", "ok"]);
  });

  it("a --duration run stops issuing by itself and lets sent requests finish", async () => {
    upstream.defaultBehavior = { kind: "ok", text: "short", delayMs: 5 };
    const { metrics } = await measure({ numPrompts: undefined, durationMs: 400, requestRate: 25, seed: 11 });
    // Exactly the arrivals the seeded schedule puts before the 400 ms mark are sent, however late timers fire.
    const schedule = createArrivalSchedule({ requestRate: 25, burstiness: 1, random: createSeededRandom(11) });
    let scheduled = 0;
    while (schedule.next() < 400) scheduled++;
    expect(scheduled).toBeGreaterThanOrEqual(2);
    expect(metrics.totalRequests).toBe(scheduled);
    expect(metrics.completed).toBe(metrics.totalRequests);
    expect(upstream.calls).toHaveLength(scheduled);
  });
});

describe("gantry bench CLI", () => {
  async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: string[] = [];
    const err: string[] = [];
    stdout.on("data", (chunk: Buffer) => out.push(chunk.toString()));
    stderr.on("data", (chunk: Buffer) => err.push(chunk.toString()));
    const code = await bench(argv, { stdout, stderr });
    return { code, stdout: out.join(""), stderr: err.join("") };
  }

  it("runs, prints the table, writes the result JSON and a PNG plot; warmup is not counted", async () => {
    upstream.defaultBehavior = { kind: "ok", text: "one two three four five", chunkDelayMs: 2 };
    const directory = await mkdtemp(join(tmpdir(), "bench-cli-"));
    const resultPath = join(directory, "result.json");
    const plotPath = join(directory, "plot.png");
    const { code, stdout } = await runCli([
      ...["--base-url", upstream.baseUrl, "--num-prompts", "6", "--max-concurrency", "2", "--warmup", "2"],
      ...["--input-len", "16", "--output-len", "4", "--goodput", "ttft:5000", "tpot:5000", "--seed", "3"],
      ...["--result-json", resultPath, "--plot", plotPath],
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("Serving Benchmark Result");
    expect(stdout).toMatch(/Successful requests:\s+6\n/);
    expect(stdout).toMatch(/Request goodput \(req\/s\):/);
    // GET /models (no --model given) + 2 warmup + 6 measured.
    expect(upstream.calls.map((call) => call.path).filter((path) => path === "/v1/chat/completions")).toHaveLength(8);
    expect(upstream.calls[0]?.path).toBe("/v1/models");
    const result = JSON.parse(await readFile(resultPath, "utf8")) as { settings: { model: string; requestRate: unknown }; metrics: { completed: number; goodRequests: number }; requests: unknown[] };
    expect(result.settings.model).toBe("tiny");
    expect(result.settings.requestRate).toBe("inf");
    expect(result.metrics.completed).toBe(6);
    expect(result.metrics.goodRequests).toBe(6);
    expect(result.requests).toHaveLength(6);
    // The keys `vllm bench serve` writes, at the top level.
    const vllm = result as unknown as Record<string, unknown>;
    expect(vllm).toMatchObject({ backend: "openai-chat", model_id: "tiny", completed: 6, max_concurrency: 2, request_rate: "inf", total_output_tokens: 24 });
    for (const key of ["duration", "total_input_tokens", "request_throughput", "request_goodput", "output_throughput", "total_token_throughput"]) expect(typeof vllm[key]).toBe("number");
    for (const metric of ["ttft", "tpot", "itl", "e2el"]) {
      for (const stat of ["mean", "median", "std", "p99"]) expect(typeof vllm[`${stat}_${metric}_ms`]).toBe("number");
    }
    expect(vllm["mean_ttft_ms"]).toBeGreaterThan(0);
    const png = await readFile(plotPath);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  });

  it("sweeps a load parameter and saves every run plus the sweep plot", async () => {
    upstream.defaultBehavior = { kind: "ok", text: "one two", chunkDelayMs: 2 };
    const directory = await mkdtemp(join(tmpdir(), "bench-sweep-"));
    const resultPath = join(directory, "sweep.json");
    const plotPath = join(directory, "sweep.svg");
    const { code, stdout } = await runCli([
      ...["--base-url", upstream.baseUrl, "--model", "tiny", "--num-prompts", "4", "--input-len", "8", "--output-len", "2"],
      ...["--sweep", "max-concurrency=1,2", "--result-json", resultPath, "--plot", plotPath],
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("knee");
    const sweep = JSON.parse(await readFile(resultPath, "utf8")) as { parameter: string; values: number[]; runs: Array<{ metrics: { completed: number } }> };
    expect(sweep.parameter).toBe("max-concurrency");
    expect(sweep.values).toEqual([1, 2]);
    expect(sweep.runs.map((run) => run.metrics.completed)).toEqual([4, 4]);
    const svg = await readFile(plotPath, "utf8");
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg).toContain("Goodput vs offered load");
  });

  it("exits 1 when every request fails, and 2 on a bad flag", async () => {
    upstream.defaultBehavior = { kind: "status", status: 503 };
    const failed = await runCli(["--base-url", upstream.baseUrl, "--model", "tiny", "--num-prompts", "3", "--input-len", "8", "--output-len", "2"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/http_503:\s+3/);
    expect(failed.stdout).toContain("warning: 3 of 3 requests failed");
    const bad = await runCli(["--request-rate", "fast"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--request-rate");
  });
});
