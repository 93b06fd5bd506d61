import { parse } from "yaml";
import { z } from "zod";
import { formatPath } from "../protocol/format-path.js";
import { faultEffectSchema, maxFaultSeconds } from "./fault-spec.js";

const trafficSchema = z
  .object({
    model: z.string().min(1),
    /** Requests per second, sent at a constant rate. */
    rate: z.number().positive().max(200),
    stream: z.boolean().default(false),
    prompt: z.string().min(1).max(10_000).default("Tell me a short story."),
    max_tokens: z.number().int().positive().max(4096).default(16),
    /** A request still unanswered after this long counts as a `client_timeout` error. */
    timeout_s: z.number().positive().max(300).default(10),
    /** At most this many requests open at once; a send past it counts as `client_overloaded`. */
    max_in_flight: z.number().int().positive().max(256).default(32),
  })
  .strict();

const expectSchema = z
  .object({
    /** Share of requests that may fail, 0..1. */
    max_error_rate: z.number().min(0).max(1).optional(),
    p95_ms: z.number().positive().optional(),
    p99_ms: z.number().positive().optional(),
    /** Every answer must come from one of these deployments (`x-gantry-deployment`, e.g. `story/0`, `faq/0`, `story/fast-path`). */
    answered_by: z.array(z.string().min(1)).min(1).optional(),
    /** true: every answer came from a fallback model; false: none did (`x-gantry-fallback`). */
    fallback: z.boolean().optional(),
    min_requests: z.number().int().min(0).optional(),
  })
  .strict();

const stepSchema = z
  .object({
    name: z.string().min(1).max(100),
    duration_s: z.number().positive().max(maxFaultSeconds),
    /** Injected when the step starts, cleared when it ends (and they expire on their own after duration_s). */
    faults: z.array(faultEffectSchema).max(20).default([]),
    /** Synthetic traffic the drill sends itself. */
    traffic: trafficSchema.optional(),
    /** Observe real traffic through the gateway's /metrics instead of sending any. */
    watch: z.literal(true).optional(),
    expect: expectSchema.default({}),
  })
  .strict()
  .superRefine((step, context) => {
    if ((step.traffic === undefined) === (step.watch === undefined)) context.addIssue({ code: "custom", path: ["traffic"], message: "give either traffic or watch: true" });
    if (step.watch === true && step.expect.fallback !== undefined) context.addIssue({ code: "custom", path: ["expect", "fallback"], message: "fallbacks cannot be seen from /metrics: expect it only with traffic" });
  });

/** A drill: steps played in order against a running gateway, each with its faults, traffic and SLOs. */
export const drillScenarioSchema = z
  .object({
    name: z.string().min(1).max(100),
    description: z.string().optional(),
    steps: z.array(stepSchema).min(1).max(50),
  })
  .strict();

export type DrillScenario = z.output<typeof drillScenarioSchema>;
export type DrillStep = DrillScenario["steps"][number];
export type DrillTraffic = NonNullable<DrillStep["traffic"]>;
export type DrillExpectations = DrillStep["expect"];

/** A scenario file that is not valid YAML or does not fit the schema: every problem with its path. */
export class DrillScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is not a valid drill scenario:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "DrillScenarioError";
  }
}

/** Parses scenario YAML strictly; throws DrillScenarioError listing every problem at once. */
export function parseDrillScenario(text: string, source: string): DrillScenario {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new DrillScenarioError(source, [error instanceof Error ? error.message : String(error)]);
  }
  const result = drillScenarioSchema.safeParse(raw);
  if (!result.success) throw new DrillScenarioError(source, result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`));
  return result.data;
}
