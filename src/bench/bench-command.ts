import { listModels, createBenchClient } from "./bench-client.js";
import type { BenchOptions } from "./bench-options.js";
import { defaultOutputLen } from "./bench-options.js";
import { createRunFigure, createSweepFigure } from "./bench-plots.js";
import type { BenchReport } from "./bench-report.js";
import { createDataset } from "./dataset.js";
import { createLiveStats } from "./live-stats.js";
import { writePlotFile } from "./plot-file.js";
import { renderFigureSvg } from "./plot-svg.js";
import { startProgressBar } from "./progress-bar.js";
import { formatReportTable } from "./report-table.js";
import { toResultJson, writeJsonFile } from "./result-json.js";
import { runBenchmark } from "./run-benchmark.js";
import { formatSweepTable, runSweep, toSweepJson } from "./sweep.js";
import { loadTokenizer } from "./tokenizer.js";

/** Where the command writes: the report to `stdout`, progress and notes to `stderr`. */
export interface BenchIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  signal?: AbortSignal;
}

/** Runs `gantry bench` (one run or a sweep): table to stdout, then the JSON and plot files asked for. Exit 1 when no request succeeded. */
export async function runBenchCommand(options: BenchOptions, io: BenchIo): Promise<number> {
  const note = (text: string): void => void io.stderr.write(`gantry bench: ${text}\n`);
  const model = options.model ?? (await listModels(options.baseUrl, options.apiKey, Math.min(options.timeoutS * 1000, 30_000)))[0];
  if (model === undefined) throw new Error(`no --model given and ${options.baseUrl}/models lists none`);

  const tokenizer = await loadTokenizer();
  const dataset = await createDataset({
    kind: options.dataset,
    count: options.numPrompts,
    inputLen: options.inputLen,
    outputLen: options.outputLen,
    defaultOutputLen,
    rangeRatio: options.rangeRatio,
    prefixLen: options.prefixLen,
    path: options.datasetPath,
    seed: options.seed,
  });
  note(`${dataset.prompts.length} prompts (${options.dataset}, lengths by ${dataset.tokenizer}) → ${options.baseUrl} model ${model}`);
  if (options.dataset === "sharegpt" && dataset.prompts.length < options.numPrompts && options.durationS === undefined) {
    note(`only ${dataset.prompts.length} usable conversations: sending ${dataset.prompts.length} requests`);
  }
  const runOptions = options.dataset === "sharegpt" && options.durationS === undefined ? { ...options, numPrompts: Math.min(options.numPrompts, dataset.prompts.length) } : options;

  const runOne = async (pointOptions: BenchOptions, label: string): Promise<BenchReport> => {
    const client = createBenchClient({
      baseUrl: pointOptions.baseUrl,
      endpoint: pointOptions.endpoint,
      model,
      apiKey: pointOptions.apiKey,
      timeoutMs: pointOptions.timeoutS * 1000,
      ignoreEos: pointOptions.ignoreEos,
      connections: pointOptions.maxConcurrency,
    });
    const live = createLiveStats();
    const stream = "isTTY" in io.stderr ? io.stderr : undefined;
    const bar =
      stream === undefined
        ? { stop: () => undefined }
        : startProgressBar(live, {
            total: pointOptions.durationS === undefined ? pointOptions.numPrompts : undefined,
            durationMs: pointOptions.durationS === undefined ? undefined : pointOptions.durationS * 1000,
            label,
            stream,
          });
    try {
      return await runBenchmark(pointOptions, model, dataset, { send: client.send, tokenizer, live, ...(io.signal === undefined ? {} : { signal: io.signal }) });
    } finally {
      bar.stop();
      await client.close();
    }
  };

  if (runOptions.sweep !== undefined) {
    const spec = runOptions.sweep;
    const sweep = await runSweep(
      spec,
      (value) => runOne(spec.parameter === "request-rate" ? { ...runOptions, requestRate: value } : { ...runOptions, maxConcurrency: value }, `${spec.parameter}=${value}`),
      (point) => void io.stdout.write(`\n${spec.parameter} = ${point.value}\n${formatReportTable(point.report)}`),
    );
    io.stdout.write(`\n${formatSweepTable(sweep)}`);
    if (options.resultJson !== undefined) {
      await writeJsonFile(options.resultJson, toSweepJson(sweep));
      note(`results written to ${options.resultJson}`);
    }
    if (options.plot !== undefined) {
      await writePlotFile(options.plot, renderFigureSvg(createSweepFigure(sweep)), formatSweepTable(sweep));
      note(`plot written to ${options.plot}`);
    }
    return sweep.points.some((point) => point.report.metrics.completed > 0) ? 0 : 1;
  }

  const report = await runOne(runOptions, "bench");
  const table = formatReportTable(report);
  io.stdout.write(table);
  if (options.resultJson !== undefined) {
    await writeJsonFile(options.resultJson, toResultJson(report));
    note(`results written to ${options.resultJson}`);
  }
  if (options.plot !== undefined) {
    await writePlotFile(options.plot, renderFigureSvg(createRunFigure(report)), table);
    note(`plot written to ${options.plot}`);
  }
  return report.metrics.completed > 0 ? 0 : 1;
}
