import type { DrillScenario, DrillStep } from "./drill-scenario.js";
import { sendDrillTraffic } from "./drill-traffic.js";
import type { FaultAdminClient } from "./fault-admin-client.js";
import { observeMetrics, scrapeMetrics } from "./metrics-watch.js";
import { judgeStep, observeSamples, type StepObservation } from "./step-observation.js";

/** One step's outcome: what was injected, what clients saw, and why it failed (nothing when it passed). */
export interface StepReport {
  readonly name: string;
  readonly faults: readonly string[];
  readonly mode: "traffic" | "watch";
  readonly observation: StepObservation;
  readonly failures: readonly string[];
  readonly pass: boolean;
}

/** A whole drill: its steps in order and whether every SLO held. */
export interface DrillReport {
  readonly scenario: string;
  readonly url: string;
  readonly steps: readonly StepReport[];
  readonly pass: boolean;
}

export interface RunDrillOptions {
  readonly url: string;
  readonly admin: FaultAdminClient;
  /** A virtual key for the synthetic traffic when the gateway has auth on. */
  readonly apiKey: string | undefined;
  /** Told as each step finishes, for progress output. */
  readonly onStep?: (report: StepReport) => void;
}

/** Plays the scenario step by step: inject the step's faults, send or watch traffic, clear the faults, judge the SLOs. */
export async function runDrill(scenario: DrillScenario, options: RunDrillOptions): Promise<DrillReport> {
  const steps: StepReport[] = [];
  for (const step of scenario.steps) {
    const report = await runStep(step, options);
    options.onStep?.(report);
    steps.push(report);
  }
  return { scenario: scenario.name, url: options.url, steps, pass: steps.every((step) => step.pass) };
}

async function runStep(step: DrillStep, options: RunDrillOptions): Promise<StepReport> {
  const injected: string[] = [];
  try {
    for (const fault of step.faults) injected.push((await options.admin.inject({ ...fault, duration_s: step.duration_s })).id);
    const durationMs = step.duration_s * 1000;
    let observation: StepObservation;
    if (step.traffic !== undefined) {
      observation = observeSamples(await sendDrillTraffic({ url: options.url, apiKey: options.apiKey }, step.traffic, durationMs));
    } else {
      const before = await scrapeMetrics(options.url);
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      observation = observeMetrics(before, await scrapeMetrics(options.url));
    }
    const failures = judgeStep(observation, step.expect);
    return { name: step.name, faults: step.faults.map(describeEffect), mode: step.traffic === undefined ? "watch" : "traffic", observation, failures, pass: failures.length === 0 };
  } finally {
    // Faults expire on their own; clearing them now keeps one step's faults out of the next.
    await Promise.all(injected.map((id) => options.admin.clear(id)));
  }
}

/** A fault in a few words for the report: `error 503 on story/0`. */
function describeEffect(fault: DrillStep["faults"][number]): string {
  const where = fault.kind === "redis_down" ? "redis" : (fault.deployment ?? `model ${fault.model ?? ""}`);
  switch (fault.kind) {
    case "latency":
      return `+${fault.latency_ms}${fault.jitter_ms > 0 ? `±${fault.jitter_ms}` : ""} ms on ${where}`;
    case "error":
      return `${fault.rate < 1 ? `${Math.round(fault.rate * 100)}% ` : ""}${fault.status}${fault.retry_after_s === undefined ? "" : ` (Retry-After ${fault.retry_after_s})`} on ${where}`;
    case "reset":
      return `reset ${fault.after_chunks === 0 ? "before first byte" : `after ${fault.after_chunks} chunks`} on ${where}`;
    case "redis_down":
      return "redis down";
    default:
      return `${fault.kind} on ${where}`;
  }
}
