import { BenchUsageError, parseBenchOptions, type BenchOptions } from "../bench/bench-options.js";
import { runBenchCommand, type BenchIo } from "../bench/bench-command.js";

const usage = `usage: gantry bench [options]      load-test any OpenAI-compatible server (vllm bench serve semantics)

target
  --base-url URL          server base URL including /v1 (default http://127.0.0.1:4000/v1)
  --model NAME            model to ask for (default: the first one GET /models lists)
  --endpoint chat|completions   (default chat)
  --api-key KEY           bearer token (default $OPENAI_API_KEY)
  --timeout S             per request, send to last byte (default 300)
load
  --num-prompts N         requests to send (default 1000)
  --duration S            send for S seconds instead (with --num-prompts: whichever ends first)
  --request-rate R|inf    mean arrivals per second (default inf: all at once)
  --burstiness B          gamma shape of the gaps: 1 = Poisson, <1 burstier, >1 steadier (default 1)
  --max-concurrency N     at most N requests in flight (a semaphore; arrivals queue behind it)
  --warmup N              N requests first, not counted
  --seed N                arrivals and prompts are reproducible per seed (default 0)
  --sweep request-rate=1,2,4,8 | max-concurrency=1,4,16   one run per value, plots the knee
prompts
  --dataset random|sharegpt|file   (default random)
  --input-len N --output-len N --range-ratio R   random prompts of real tokens (default 1024, 128, 0)
  --prefix-len N          shared prefix of N tokens on every prompt (prefix caches)
  --dataset-path FILE     JSONL of prompts/conversations, or a ShareGPT JSON file
  --ignore-eos            send ignore_eos: true (vLLM, llama.cpp) so answers run to --output-len
report
  --goodput ttft:MS tpot:MS e2el:MS   SLOs a request must all meet to count as good
  --percentiles 90,95,99  (default 90,95,99; mean, median and std are always shown)
  --result-json FILE      every metric and every request's timings
  --plot FILE.png|svg|html   latency CDFs and throughput over time (a sweep: goodput vs load)`;

/** `gantry bench`: an SLO load tester for OpenAI-compatible servers; Ctrl-C stops the load and still reports. */
export async function bench(argv: string[], io: BenchIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const options = parseOrReport(argv, io);
  if (options === undefined) return 2;
  if (options.help) {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    io.stderr.write("\ngantry bench: stopping the load (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  try {
    return await runBenchCommand(options, { ...io, signal: io.signal ?? controller.signal });
  } finally {
    process.off("SIGINT", onSignal);
  }
}

function parseOrReport(argv: string[], io: BenchIo): (BenchOptions & { help: boolean }) | undefined {
  try {
    return parseBenchOptions(argv, process.env);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    io.stderr.write(`gantry bench: ${error.message}\n${usage}\n`);
    return undefined;
  }
}
