import type { Plan } from "./create-plan.js";
import type { GpuFit, GpuMiss } from "./fit-gpus.js";
import type { BillingMode } from "./gpu-catalogue.js";
import { billingModes } from "./gpu-catalogue.js";
import { formatBytes, formatGib, formatInteger, formatParams, formatRate, formatUsd } from "./plan-format.js";
import { textTable } from "./text-table.js";
import { GiB, KiB, hoursPerMonth } from "./units.js";

const modeLabels: Record<BillingMode, string> = { on_demand: "on-demand", reserved: "reserved", spot: "spot" };

/** The human report: model, per-GPU memory, one row per GPU type, costs, and a detailed block when one GPU was asked for. */
export function formatPlanText(plan: Plan, detail = false): string {
  const sections = [modelSection(plan), memorySection(plan), fitSection(plan), costSection(plan)];
  if (detail) for (const fit of plan.fits) if (fit.fits) sections.push(detailSection(plan, fit));
  sections.push(summarySection(plan));
  if (plan.notes.length > 0) sections.push(["notes:", ...plan.notes.map((note) => `  - ${note}`)].join("\n"));
  return `${sections.filter((section) => section !== "").join("\n\n")}\n`;
}

function modelSection(plan: Plan): string {
  const model = plan.model;
  const title = [...new Set([model.name, model.architecture].filter((part) => part !== undefined))].join(" · ");
  const kvShape = model.kv.kind === "heads" ? `${model.attentionHeads} heads / ${model.kv.kvHeads} KV heads · head dim ${model.headDim}` : `${model.attentionHeads} heads · MLA latent ${model.kv.width}`;
  const active = model.activeParams === model.params ? "" : ` (${formatParams(model.activeParams)} active per token)`;
  const experts = model.experts === undefined ? "" : ` · ${model.experts.perToken} of ${model.experts.total} experts per token`;
  const trained = model.maxContext === undefined ? "" : ` · trained context ${formatInteger(model.maxContext)}`;
  const origin = { flag: "--dtype", tensors: "summed over the GGUF tensors", source: "declared by the model", default: "assumed" }[plan.weights.origin];
  const load =
    plan.load.kind === "concurrency"
      ? `${formatInteger(plan.load.sequences)} concurrent sequence${plan.load.sequences === 1 ? "" : "s"} of ${formatInteger(plan.context)} tokens`
      : `${plan.load.requestsPerSecond} requests/s × ${formatInteger(plan.load.outputTokens)} output tokens = ${formatRate(plan.load.requestsPerSecond * plan.load.outputTokens)} output tokens/s; ${formatInteger(plan.context)} tokens reserved per sequence`;
  return [
    `model     ${title === "" ? "(unnamed)" : title}   [${model.source}]`,
    `          ${formatParams(model.params)} parameters${active} · ${model.layers} layers · ${kvShape} · vocab ${formatInteger(model.vocabSize)}${experts}${trained}`,
    `weights   ${plan.weights.dtype.name}, ${trimBits(plan.weights.dtype.bitsPerElement)} bits per parameter (${origin}) → ${formatBytes(plan.weights.bytes)}`,
    `KV cache  ${plan.kv.dtype.name}: ${formatBytes(plan.kv.bytesPerToken)} per token · ${formatBytes(plan.kv.bytesPerSequence)} per ${formatInteger(plan.context)}-token sequence`,
    `load      ${load}; decode reads ${formatInteger(plan.decodeContext)} tokens of KV per sequence`,
  ].join("\n");
}

function memorySection(plan: Plan): string {
  const memory = plan.replicaMemory.perGpu;
  const sequences = plan.replicaMemory.sequences;
  const tp = plan.replicaMemory.tp;
  const held = `${formatInteger(sequences)} sequence${sequences === 1 ? "" : "s"} of ${formatInteger(plan.context)} tokens`;
  const title = tp === 1 ? `memory for ${held}, whole model on one device (the GPU table below splits it):` : `memory per GPU at tp ${tp} for ${held}:`;
  const rows = [
    ["weights", "", formatBytes(memory.weightsBytes)],
    ["KV cache", `${formatInteger(sequences)} × ${formatBytes(memory.kvBytesPerSequence)}`, formatBytes(memory.kvBytes)],
    ["activations + runtime", `${formatBytes(plan.overhead.runtimeBytes)} runtime + ${formatInteger(plan.overhead.batchTokens)}-token forward pass`, formatBytes(memory.overheadBytes)],
    ["total", "", formatBytes(memory.totalBytes)],
  ];
  return [title, textTable([{ header: "part" }, { header: "how" }, { header: "size", align: "right" }], rows, "  ")].join("\n");
}

function fitSection(plan: Plan): string {
  const rows = plan.fits.map((fit) =>
    fit.fits
      ? [
          fit.gpu.id,
          String(fit.gpus),
          layout(fit),
          formatInteger(fit.sequencesPerReplica),
          formatInteger(fit.batchPerReplica),
          `${formatGib(fit.memory.totalBytes)} / ${formatGib(fit.usableBytesPerGpu)}`,
          formatRate(fit.decode.perSequence),
          formatRate(fit.decodeTokensPerSecond),
          formatRate(fit.prefillTokensPerSecond),
        ]
      : [fit.gpu.id, "-", `does not fit: ${fit.reason}`],
  );
  const columns = [
    { header: "GPU" },
    { header: "count", align: "right" as const },
    { header: "layout" },
    { header: "room (seqs)", align: "right" as const },
    { header: "batch", align: "right" as const },
    { header: "GiB/GPU used/usable", align: "right" as const },
    { header: "decode tok/s/seq", align: "right" as const },
    { header: "decode tok/s all", align: "right" as const },
    { header: "prefill tok/s", align: "right" as const },
  ];
  return [
    `fewest GPUs of each type (usable = ${Math.round(plan.gpuUtil * 100)}% of memory; room and batch are per replica; speeds are ceilings):`,
    textTable(columns, rows, "  "),
  ].join("\n");
}

function costSection(plan: Plan): string {
  const fits = plan.fits.filter((fit): fit is GpuFit => fit.fits);
  if (fits.length === 0) return "";
  const throughput = plan.load.kind === "rate" ? "at the target rate" : "at the decode ceiling";
  const columns = [{ header: "GPU" }, { header: "count", align: "right" as const }];
  for (const mode of billingModes) {
    columns.push({ header: `${modeLabels[mode]} /month`, align: "right" as const }, { header: "/1M out", align: "right" as const });
  }
  const rows = fits.map((fit) => {
    const row = [fit.gpu.id, String(fit.gpus)];
    for (const mode of billingModes) {
      const cost = fit.costs.find((item) => item.mode === mode);
      row.push(formatUsd(cost?.perMonth), formatUsd(cost?.perMillionOutputTokens));
    }
    return row;
  });
  return [`cost in USD (${hoursPerMonth} h per month; per 1M output tokens ${throughput}):`, textTable(columns, rows, "  ")].join("\n");
}

function detailSection(plan: Plan, fit: GpuFit): string {
  const memory = fit.memory;
  const costs = fit.costs.map(
    (cost) => `${modeLabels[cost.mode].padEnd(9)} ${formatUsd(cost.perHour)}/h · ${formatUsd(cost.perMonth)}/month · ${formatUsd(cost.perMillionOutputTokens)} per 1M output tokens`,
  );
  return [
    `on ${fit.gpu.id} (${fit.gpu.name}): ${fit.gpus} GPU${fit.gpus === 1 ? "" : "s"} = ${layoutWords(fit)}`,
    `  per GPU   weights ${formatBytes(memory.weightsBytes)} + KV ${formatInteger(fit.batchPerReplica)} × ${formatBytes(memory.kvBytesPerSequence)} (${formatBytes(memory.kvBytes)}) + overhead ${formatBytes(memory.overheadBytes)} = ${formatBytes(memory.totalBytes)}`,
    `            of ${formatBytes(fit.usableBytesPerGpu)} usable (${fit.gpu.memory_gib} GiB × ${plan.gpuUtil})`,
    `  room      ${formatInteger(fit.sequencesPerReplica)} sequences of ${formatInteger(plan.context)} tokens per replica (KV ${formatBytes(memory.kvBytesPerToken)} per token per GPU)`,
    `  decode    ≤ ${formatRate(fit.decode.perSequence)} tokens/s per sequence, ≤ ${formatRate(fit.decodeTokensPerSecond)} tokens/s in all at batch ${formatInteger(fit.batchPerReplica)} per replica (${formatInteger(fit.gpu.bandwidth_gb_s)} GB/s per GPU)`,
    `  prefill   ≤ ${formatRate(fit.prefillTokensPerSecond)} tokens/s (${fit.gpu.fp16_tflops} FP16 TFLOPS per GPU, 2 FLOPs per active parameter)${
      plan.load.kind === "rate" ? `; prompts take ${Math.round(fit.prefillShare * 100)}% of each second, so decode runs faster than the target in the rest` : ""
    }`,
    `  cost      ${costs.join("\n            ")}`,
  ].join("\n");
}

function summarySection(plan: Plan): string {
  const smallest = plan.smallest;
  if (smallest === undefined) return "no GPU in the catalogue fits; try a smaller dtype, a shorter context or less concurrency";
  if (plan.fits.length === 1) return "";
  const lines = [`fewest GPUs: ${smallest.gpus} × ${smallest.gpu.id} (${layout(smallest)})`];
  for (const cheapest of plan.cheapest) {
    lines.push(`cheapest ${modeLabels[cheapest.mode as BillingMode] ?? cheapest.mode}: ${cheapest.fit.gpus} × ${cheapest.fit.gpu.id} at ${formatUsd(cheapest.perMonth)}/month`);
  }
  return lines.join("\n");
}

/** The machine-readable plan: every figure in bytes, GiB, tokens/s or USD, with the unit in the key. */
export function planJson(plan: Plan): unknown {
  const model = plan.model;
  const memory = plan.replicaMemory.perGpu;
  return {
    model: {
      source: model.source,
      name: model.name ?? null,
      architecture: model.architecture ?? null,
      params: model.params,
      active_params: model.activeParams,
      layers: model.layers,
      attention_heads: model.attentionHeads,
      kv_cache_layout:
        model.kv.kind === "latent"
          ? { kind: "latent", width: model.kv.width }
          : { kind: "heads", kv_heads: model.kv.kvHeads, key_dim: model.kv.keyDim, value_dim: model.kv.valueDim },
      head_dim: model.headDim,
      hidden_size: model.hiddenSize,
      vocab_size: model.vocabSize,
      max_context: model.maxContext ?? null,
      experts: model.experts === undefined ? null : { total: model.experts.total, per_token: model.experts.perToken },
    },
    weights: {
      dtype: plan.weights.dtype.name,
      bits_per_param: plan.weights.dtype.bitsPerElement,
      origin: plan.weights.origin,
      bytes: plan.weights.bytes,
      gib: plan.weights.bytes / GiB,
      streamed_bytes_per_token_at_batch_1: plan.weights.streamedBytesPerToken,
    },
    kv_cache: {
      dtype: plan.kv.dtype.name,
      bytes_per_token: plan.kv.bytesPerToken,
      kib_per_token: plan.kv.bytesPerToken / KiB,
      bytes_per_sequence: plan.kv.bytesPerSequence,
      gib_per_sequence: plan.kv.bytesPerSequence / GiB,
    },
    context_tokens: plan.context,
    decode_context_tokens: plan.decodeContext,
    load:
      plan.load.kind === "concurrency"
        ? { kind: "concurrency", sequences: plan.load.sequences }
        : { kind: "rate", requests_per_second: plan.load.requestsPerSecond, input_tokens: plan.load.inputTokens, output_tokens: plan.load.outputTokens },
    gpu_util: plan.gpuUtil,
    overhead_model: {
      runtime_bytes_per_gpu: plan.overhead.runtimeBytes,
      batch_tokens: plan.overhead.batchTokens,
      sampled_sequences: plan.overhead.sampledSequences,
      activation_bytes: plan.overhead.activationBytes,
    },
    replica_memory: {
      tp: plan.replicaMemory.tp,
      sequences: plan.replicaMemory.sequences,
      per_gpu_gib: {
        weights: memory.weightsBytes / GiB,
        kv_cache: memory.kvBytes / GiB,
        overhead: memory.overheadBytes / GiB,
        total: memory.totalBytes / GiB,
      },
    },
    gpus: plan.fits.map(fitJson),
    smallest: plan.smallest === undefined ? null : { gpu: plan.smallest.gpu.id, count: plan.smallest.gpus },
    cheapest: plan.cheapest.map((item) => ({ mode: item.mode, gpu: item.fit.gpu.id, count: item.fit.gpus, usd_per_month: item.perMonth })),
    notes: plan.notes,
  };
}

function fitJson(fit: GpuFit | GpuMiss): unknown {
  if (!fit.fits) return { gpu: fit.gpu.id, fits: false, reason: fit.reason };
  return {
    gpu: fit.gpu.id,
    fits: true,
    count: fit.gpus,
    tp: fit.parallelism.tp,
    pp: fit.parallelism.pp,
    replicas: fit.replicas,
    sequences_per_replica: fit.sequencesPerReplica,
    batch_per_replica: fit.batchPerReplica,
    per_gpu_gib: {
      weights: fit.memory.weightsBytes / GiB,
      kv_cache: fit.memory.kvBytes / GiB,
      overhead: fit.memory.overheadBytes / GiB,
      total: fit.memory.totalBytes / GiB,
      usable: fit.usableBytesPerGpu / GiB,
    },
    decode_tokens_per_second: { per_sequence: fit.decode.perSequence, aggregate: fit.decodeTokensPerSecond },
    prefill_tokens_per_second: fit.prefillTokensPerSecond,
    prefill_share: fit.prefillShare,
    output_tokens_per_second: fit.outputTokensPerSecond,
    cost_usd: Object.fromEntries(
      fit.costs.map((cost) => [cost.mode, { per_hour: cost.perHour, per_month: cost.perMonth, per_million_output_tokens: cost.perMillionOutputTokens ?? null }]),
    ),
  };
}

function layout(fit: GpuFit): string {
  const parallel = `tp ${fit.parallelism.tp}${fit.parallelism.pp > 1 ? ` pp ${fit.parallelism.pp}` : ""}`;
  return fit.replicas > 1 ? `${fit.replicas} × ${parallel}` : parallel;
}

function layoutWords(fit: GpuFit): string {
  const perReplica = fit.parallelism.pp > 1 ? `tp ${fit.parallelism.tp} × pp ${fit.parallelism.pp}` : `tp ${fit.parallelism.tp}`;
  return `${fit.replicas} replica${fit.replicas === 1 ? "" : "s"} of ${perReplica}`;
}

function trimBits(bits: number): string {
  return Number.isInteger(bits) ? String(bits) : bits.toFixed(3).replace(/0+$/, "");
}
