import { parseArgs } from "node:util";
import type { DatasetKind } from "./dataset.js";
import type { Endpoint } from "./request-runner.js";
import { parseSlo, type Slo } from "./slo.js";

/** A sweep: the same benchmark repeated for each value of one load parameter. */
export interface SweepSpec {
  parameter: "request-rate" | "max-concurrency";
  values: number[];
}

/** Everything `gantry bench` was asked to do, validated. */
export interface BenchOptions {
  baseUrl: string;
  model: string | undefined;
  endpoint: Endpoint;
  apiKey: string | undefined;
  numPrompts: number;
  /** True when --num-prompts was given: with --duration it then also caps the request count. */
  numPromptsGiven: boolean;
  durationS: number | undefined;
  requestRate: number;
  burstiness: number;
  maxConcurrency: number | undefined;
  warmup: number;
  seed: number;
  dataset: DatasetKind;
  datasetPath: string | undefined;
  inputLen: number;
  outputLen: number | undefined;
  rangeRatio: number;
  prefixLen: number;
  slo: Slo;
  percentiles: number[];
  resultJson: string | undefined;
  plot: string | undefined;
  sweep: SweepSpec | undefined;
  ignoreEos: boolean;
  timeoutS: number;
}

/** A problem with the command line: reported with the usage, exit code 2. */
export class BenchUsageError extends Error {}

export const defaultOutputLen = 128;

/** Parses `gantry bench` arguments; throws BenchUsageError naming the first bad flag. */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): BenchOptions & { help: boolean } {
  const { rest, goodput } = takeGoodput(argv);
  const values = readFlags(rest);

  const endpoint = values.endpoint ?? "chat";
  if (endpoint !== "chat" && endpoint !== "completions") throw new BenchUsageError(`--endpoint must be chat or completions (got ${endpoint})`);
  const dataset = values.dataset ?? "random";
  if (dataset !== "random" && dataset !== "sharegpt" && dataset !== "file") throw new BenchUsageError(`--dataset must be random, sharegpt or file (got ${dataset})`);
  if (dataset !== "random" && values["dataset-path"] === undefined) throw new BenchUsageError(`--dataset ${dataset} needs --dataset-path FILE`);
  const baseUrl = values["base-url"] ?? "http://127.0.0.1:4000/v1";
  if (!/^https?:\/\//.test(baseUrl)) throw new BenchUsageError(`--base-url must be an http(s) URL (got ${baseUrl})`);

  const durationS = optional(values.duration, (text) => positiveNumber("--duration", text));
  const requestRate = values["request-rate"] === undefined || /^inf(inity)?$/i.test(values["request-rate"]) ? Infinity : positiveNumber("--request-rate", values["request-rate"]);
  const maxConcurrency = optional(values["max-concurrency"], (text) => positiveInteger("--max-concurrency", text));
  const sweep = optional(values.sweep, parseSweep);
  // A sweep always bounds each point: request rates are finite, concurrency values are limits.
  if (durationS !== undefined && sweep === undefined && requestRate === Infinity && maxConcurrency === undefined) {
    throw new BenchUsageError("--duration with an infinite --request-rate needs --max-concurrency (otherwise the load has no bound)");
  }
  const rangeRatio = optional(values["range-ratio"], (text) => nonNegativeNumber("--range-ratio", text)) ?? 0;
  if (rangeRatio >= 1) throw new BenchUsageError(`--range-ratio must be below 1 (got ${rangeRatio})`);
  const percentiles = (values.percentiles ?? "90,95,99").split(",").map((text) => {
    const value = Number(text.trim());
    if (text.trim() === "" || !(value >= 0 && value <= 100)) throw new BenchUsageError(`--percentiles: not a percentile: "${text}"`);
    return value;
  });
  let slo: Slo;
  try {
    slo = parseSlo(goodput);
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
  const plot = values.plot;
  if (plot !== undefined && !/\.(png|svg|html)$/i.test(plot)) throw new BenchUsageError(`--plot ${plot}: use a .png, .svg or .html file name`);

  return {
    help: values.help === true,
    baseUrl,
    model: values.model,
    endpoint,
    apiKey: values["api-key"] ?? env["OPENAI_API_KEY"],
    numPrompts: optional(values["num-prompts"], (text) => positiveInteger("--num-prompts", text)) ?? 1000,
    numPromptsGiven: values["num-prompts"] !== undefined,
    durationS,
    requestRate,
    burstiness: optional(values.burstiness, (text) => positiveNumber("--burstiness", text)) ?? 1,
    maxConcurrency,
    warmup: optional(values.warmup, (text) => nonNegativeInteger("--warmup", text)) ?? 0,
    seed: optional(values.seed, (text) => nonNegativeInteger("--seed", text)) ?? 0,
    dataset,
    datasetPath: values["dataset-path"],
    inputLen: optional(values["input-len"], (text) => positiveInteger("--input-len", text)) ?? 1024,
    outputLen: optional(values["output-len"], (text) => positiveInteger("--output-len", text)),
    rangeRatio,
    prefixLen: optional(values["prefix-len"], (text) => nonNegativeInteger("--prefix-len", text)) ?? 0,
    slo,
    percentiles,
    resultJson: values["result-json"],
    plot,
    sweep,
    ignoreEos: values["ignore-eos"] === true,
    timeoutS: optional(values.timeout, (text) => positiveNumber("--timeout", text)) ?? 300,
  };
}

const flags = {
  "base-url": { type: "string" },
  model: { type: "string" },
  endpoint: { type: "string" },
  "api-key": { type: "string" },
  "num-prompts": { type: "string" },
  duration: { type: "string" },
  "request-rate": { type: "string" },
  burstiness: { type: "string" },
  "max-concurrency": { type: "string" },
  warmup: { type: "string" },
  seed: { type: "string" },
  dataset: { type: "string" },
  "dataset-path": { type: "string" },
  "input-len": { type: "string" },
  "output-len": { type: "string" },
  "range-ratio": { type: "string" },
  "prefix-len": { type: "string" },
  percentiles: { type: "string" },
  "result-json": { type: "string" },
  plot: { type: "string" },
  sweep: { type: "string" },
  "ignore-eos": { type: "boolean" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

// The return type is inferred: node's parseArgs derives each flag's value type from `flags`.
function readFlags(args: string[]) {
  try {
    return parseArgs({ args, options: flags, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
}

/** `--goodput` takes several words (`--goodput ttft:500 tpot:50`), which node's parseArgs cannot: collect them first. */
function takeGoodput(argv: readonly string[]): { rest: string[]; goodput: string[] } {
  const rest: string[] = [];
  const goodput: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? "";
    if (argument.startsWith("--goodput=")) {
      goodput.push(argument.slice("--goodput=".length));
    } else if (argument === "--goodput") {
      const start = index;
      while (/^(ttft|tpot|e2el):/.test(argv[index + 1] ?? "")) goodput.push(argv[++index] ?? "");
      if (index === start) throw new BenchUsageError("--goodput needs ttft:MS, tpot:MS and/or e2el:MS");
    } else {
      rest.push(argument);
    }
  }
  return { rest, goodput };
}

/** Parses `request-rate=1,2,4` or `max-concurrency=1,4,16`. */
export function parseSweep(text: string): SweepSpec {
  const match = /^(request-rate|max-concurrency)=(.+)$/.exec(text);
  const parameter = match?.[1];
  if (match === null || (parameter !== "request-rate" && parameter !== "max-concurrency")) {
    throw new BenchUsageError(`--sweep: expected request-rate=V1,V2,... or max-concurrency=V1,V2,... (got "${text}")`);
  }
  const values = (match[2] ?? "").split(",").map((part) =>
    parameter === "max-concurrency" ? positiveInteger("--sweep max-concurrency", part.trim()) : positiveNumber("--sweep request-rate", part.trim()),
  );
  return { parameter, values: [...new Set(values)].sort((a, b) => a - b) };
}

function optional<T>(text: string | undefined, parse: (text: string) => T): T | undefined {
  return text === undefined ? undefined : parse(text);
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !(value > 0) || !Number.isFinite(value)) throw new BenchUsageError(`${flag} must be a number > 0 (got "${text}")`);
  return value;
}

function nonNegativeNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !(value >= 0) || !Number.isFinite(value)) throw new BenchUsageError(`${flag} must be a number >= 0 (got "${text}")`);
  return value;
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new BenchUsageError(`${flag} must be an integer >= 1 (got "${text}")`);
  return value;
}

function nonNegativeInteger(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < 0) throw new BenchUsageError(`${flag} must be an integer >= 0 (got "${text}")`);
  return value;
}
