import { statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { PlanOptions } from "../plan/create-plan.js";
import { createPlan } from "../plan/create-plan.js";
import type { Dtype } from "../plan/dtype-bits.js";
import { knownDtypeNames, resolveDtype } from "../plan/dtype-bits.js";
import type { GpuCatalogue } from "../plan/gpu-catalogue.js";
import { loadGpuCatalogue } from "../plan/gpu-catalogue.js";
import { readGgufModelInfo } from "../plan/gguf-model-info.js";
import { readHfConfigModelInfo } from "../plan/hf-config-model-info.js";
import { createManualModelInfo } from "../plan/manual-model-info.js";
import { defaultOverheadModel } from "../plan/memory-estimate.js";
import type { ModelInfo } from "../plan/model-info.js";
import { formatPlanText, planJson } from "../plan/plan-report.js";
import { tensorParallelProblem } from "../plan/tensor-parallel-problem.js";
import { GiB } from "../plan/units.js";

const usage = `usage: gantry plan MODEL [options]          MODEL: a .gguf file, a Hugging Face config.json, or a folder holding one
       gantry plan --params N --layers N --heads N [--kv-heads N] --head-dim N --vocab N [options]

model shape (instead of MODEL): --params 8.03B  --layers N  --heads N  --kv-heads N  --head-dim N  --vocab N
                                [--hidden N] [--intermediate N] [--active-params N]
precision:   --dtype fp32|fp16|bf16|fp8|int8|int4|Q4_K_M|Q8_0|...   (default: what the model declares)
             --kv-dtype fp16|fp8|...                                  (default: fp16)
load:        --context N (or 16k)  and  --concurrency N   or   --target-rps R --avg-input N --avg-output N
hardware:    --gpu ID (default: every catalogue GPU)  --tp N (default: searched)  --catalogue FILE
overhead:    --gpu-util 0.90  --overhead-gib 1  --batch-tokens 8192   (defaults shown; see docs/plan.md)
output:      --json  (default: tables)`;

/** Thrown for a bad command line: printed with the usage, exit code 2. */
class UsageError extends Error {}

/** `gantry plan`: GPU memory, fit, speed ceiling and cost of serving a model. */
export async function plan(argv: string[]): Promise<number> {
  let request: PlanRequest;
  try {
    request = parsePlanArgs(argv);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      process.stderr.write(`gantry plan: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
      return 2;
    }
    throw error;
  }
  if (request.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  let model: ModelInfo;
  let catalogue: GpuCatalogue;
  try {
    catalogue = loadGpuCatalogue(request.catalogue);
    model = await readModel(request);
  } catch (error) {
    process.stderr.write(`gantry plan: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const tp = request.options.tp;
  const tpProblem = tp === undefined ? undefined : tensorParallelProblem(model.attentionHeads, model.kv, tp);
  if (tpProblem !== undefined) {
    process.stderr.write(`gantry plan: --tp: ${tpProblem}\n`);
    return 2;
  }
  let gpus = catalogue.gpus;
  if (request.gpu !== undefined) {
    const gpu = catalogue.find(request.gpu);
    if (gpu === undefined) {
      process.stderr.write(`gantry plan: unknown --gpu "${request.gpu}"; known: ${catalogue.gpus.map((item) => item.id).join(", ")}\n`);
      return 2;
    }
    gpus = [gpu];
  }
  const result = createPlan(model, gpus, request.options);
  process.stdout.write(request.json ? `${JSON.stringify(planJson(result), null, 2)}\n` : formatPlanText(result, request.gpu !== undefined));
  return 0;
}

interface PlanRequest {
  readonly help: boolean;
  readonly json: boolean;
  readonly modelPath?: string;
  readonly shape?: Parameters<typeof createManualModelInfo>[0];
  readonly gpu?: string;
  readonly catalogue?: string;
  readonly options: PlanOptions;
}

const shapeFlags = ["params", "active-params", "layers", "heads", "kv-heads", "head-dim", "vocab", "hidden", "intermediate"] as const;

function parsePlanArgs(argv: string[]): PlanRequest {
  const string = { type: "string" } as const;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      json: { type: "boolean" },
      ...Object.fromEntries(shapeFlags.map((flag) => [flag, string])),
      dtype: string,
      "kv-dtype": string,
      context: string,
      concurrency: string,
      "target-rps": string,
      "avg-input": string,
      "avg-output": string,
      gpu: string,
      tp: string,
      catalogue: string,
      "gpu-util": string,
      "overhead-gib": string,
      "batch-tokens": string,
    },
  });
  const flag = (name: string): string | undefined => {
    const value: unknown = (values as Record<string, unknown>)[name];
    return typeof value === "string" ? value : undefined;
  };
  if (values.help === true) return { help: true, json: false, options: {} };
  if (positionals.length > 1) throw new UsageError(`one MODEL at most, got ${positionals.length}: ${positionals.join(" ")}`);
  const modelPath = positionals[0];
  const givenShape = shapeFlags.filter((name) => flag(name) !== undefined);
  if (modelPath !== undefined && givenShape.length > 0) throw new UsageError(`give a MODEL file or --${givenShape[0] ?? "params"} and the other shape flags, not both`);
  if (modelPath === undefined && givenShape.length === 0) throw new UsageError("no model: give a .gguf file, a config.json, or --params/--layers/--heads/--head-dim/--vocab");
  const shape = modelPath === undefined ? parseShape(flag) : undefined;

  const concurrency = optional(flag("concurrency"), (value) => positiveInteger("--concurrency", value));
  const targetRps = optional(flag("target-rps"), (value) => positiveNumber("--target-rps", value));
  const avgInput = optional(flag("avg-input"), (value) => positiveInteger("--avg-input", value));
  const avgOutput = optional(flag("avg-output"), (value) => positiveInteger("--avg-output", value));
  if (concurrency !== undefined && targetRps !== undefined) throw new UsageError("--concurrency and --target-rps are alternatives: give one");
  if (targetRps !== undefined && (avgInput === undefined || avgOutput === undefined)) throw new UsageError("--target-rps needs --avg-input and --avg-output (tokens per request)");
  if ((avgInput === undefined) !== (avgOutput === undefined)) throw new UsageError("give --avg-input and --avg-output together");
  const gpuUtil = optional(flag("gpu-util"), (value) => positiveNumber("--gpu-util", value));
  if (gpuUtil !== undefined && gpuUtil > 1) throw new UsageError(`--gpu-util is a fraction of GPU memory in (0, 1], got ${gpuUtil}`);
  const tp = optional(flag("tp"), (value) => positiveInteger("--tp", value));
  const overheadGib = optional(flag("overhead-gib"), (value) => nonNegativeNumber("--overhead-gib", value));
  const batchTokens = optional(flag("batch-tokens"), (value) => positiveInteger("--batch-tokens", value));
  const weightsDtype = optional(flag("dtype"), (value) => dtype("--dtype", value));
  const kvDtype = optional(flag("kv-dtype"), (value) => dtype("--kv-dtype", value));
  const context = optional(flag("context"), parseContext);
  const options: PlanOptions = {
    ...(weightsDtype === undefined ? {} : { weightsDtype }),
    ...(kvDtype === undefined ? {} : { kvDtype }),
    ...(context === undefined ? {} : { context }),
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(targetRps === undefined ? {} : { targetRps }),
    ...(avgInput === undefined ? {} : { avgInput }),
    ...(avgOutput === undefined ? {} : { avgOutput }),
    ...(tp === undefined ? {} : { tp }),
    ...(gpuUtil === undefined ? {} : { gpuUtil }),
    overhead: {
      ...defaultOverheadModel,
      ...(overheadGib === undefined ? {} : { runtimeBytes: overheadGib * GiB }),
      ...(batchTokens === undefined ? {} : { batchTokens }),
    },
  };
  const gpu = flag("gpu");
  const catalogue = flag("catalogue");
  return {
    help: false,
    json: values.json === true,
    ...(modelPath === undefined ? {} : { modelPath }),
    ...(shape === undefined ? {} : { shape }),
    ...(gpu === undefined ? {} : { gpu }),
    ...(catalogue === undefined ? {} : { catalogue }),
    options,
  };
}

function parseShape(flag: (name: string) => string | undefined): PlanRequest["shape"] {
  const need = (name: string): string => {
    const value = flag(name);
    if (value === undefined) throw new UsageError(`a shape given by flags needs --${name}`);
    return value;
  };
  const hidden = optional(flag("hidden"), (value) => positiveInteger("--hidden", value));
  const headDim = optional(flag("head-dim"), (value) => positiveInteger("--head-dim", value));
  if (headDim === undefined && hidden === undefined) throw new UsageError("a shape given by flags needs --head-dim (or --hidden)");
  const kvHeads = optional(flag("kv-heads"), (value) => positiveInteger("--kv-heads", value));
  const intermediate = optional(flag("intermediate"), (value) => positiveInteger("--intermediate", value));
  const activeParams = optional(flag("active-params"), (value) => parseCount("--active-params", value));
  return {
    params: parseCount("--params", need("params")),
    layers: positiveInteger("--layers", need("layers")),
    heads: positiveInteger("--heads", need("heads")),
    vocab: positiveInteger("--vocab", need("vocab")),
    ...(kvHeads === undefined ? {} : { kvHeads }),
    ...(headDim === undefined ? {} : { headDim }),
    ...(hidden === undefined ? {} : { hidden }),
    ...(intermediate === undefined ? {} : { intermediate }),
    ...(activeParams === undefined ? {} : { activeParams }),
  };
}

async function readModel(request: PlanRequest): Promise<ModelInfo> {
  if (request.shape !== undefined) return createManualModelInfo(request.shape);
  const path = request.modelPath ?? "";
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) throw new Error(`no such file: ${path}`);
  if (stats.isDirectory()) return readHfConfigModelInfo(join(path, "config.json"));
  return path.toLowerCase().endsWith(".gguf") ? readGgufModelInfo(path) : readHfConfigModelInfo(path);
}

function optional<T>(value: string | undefined, parse: (value: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

function positiveNumber(name: string, value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0) throw new UsageError(`${name} must be a positive number, got "${value}"`);
  return number;
}

function nonNegativeNumber(name: string, value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0) throw new UsageError(`${name} must be a number ≥ 0, got "${value}"`);
  return number;
}

function positiveInteger(name: string, value: string): number {
  const number = positiveNumber(name, value);
  if (!Number.isInteger(number)) throw new UsageError(`${name} must be a whole number, got "${value}"`);
  return number;
}

const countSuffixes: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 };

/** Parameter counts as model cards write them: 8.03B, 671b, 260K, 7e9. */
function parseCount(name: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmbt])?$/i.exec(value.trim());
  const multiplier = match?.[2] === undefined ? 1 : (countSuffixes[match[2].toLowerCase()] ?? Number.NaN);
  const number = match?.[1] === undefined ? Number.NaN : Number(match[1]) * multiplier;
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${name} must be a count such as 8.03B, 260K or 7e9, got "${value}"`);
  return Math.round(number);
}

/** Context lengths as people say them: 8192, 16k (16,384), 128K. */
function parseContext(value: string): number {
  const match = /^(\d+)\s*([kK])?$/.exec(value.trim());
  if (match?.[1] === undefined) throw new UsageError(`--context must be a token count such as 8192 or 16k, got "${value}"`);
  const tokens = Number(match[1]) * (match[2] === undefined ? 1 : 1024);
  if (tokens <= 0) throw new UsageError(`--context must be positive, got "${value}"`);
  return tokens;
}

function dtype(name: string, value: string): Dtype {
  const resolved = resolveDtype(value);
  if (resolved === undefined) throw new UsageError(`${name}: unknown dtype "${value}"; known: ${knownDtypeNames().join(", ")}`);
  return resolved;
}

function isParseArgsError(error: unknown): error is TypeError {
  return error instanceof TypeError && "code" in error && typeof error.code === "string" && error.code.startsWith("ERR_PARSE_ARGS");
}
