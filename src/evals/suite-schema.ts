import { z } from "zod";
import { lookupScorer } from "./scorers/scorer-registry.js";

const assertionSchema = z
  .strictObject({
    type: z.string().refine((type) => lookupScorer(type) !== undefined, { message: "unknown assertion type (see docs/evals.md#scorers)" }),
    value: z.unknown().optional(),
    weight: z.number().min(0).default(1),
    threshold: z.number().optional(),
    provider: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
    tolerance: z.number().min(0).optional(),
    choices: z.string().regex(/^[A-Za-z]+$/).optional(),
  })
  .superRefine((assertion, context) => {
    const base = assertion.type.replace(/^not-/, "");
    if (base === "json-path" && assertion.path === undefined) context.addIssue({ code: "custom", path: ["path"], message: "json-path needs a path" });
    if ((base === "latency" || base === "cost") && assertion.threshold === undefined) context.addIssue({ code: "custom", path: ["threshold"], message: `${base} needs a threshold (its limit)` });
    const needsValue = !["is-json", "latency", "cost"].includes(base);
    if (needsValue && assertion.value === undefined) context.addIssue({ code: "custom", path: ["value"], message: `${assertion.type} needs a value` });
  });

const varsSchema = z.record(z.string(), z.unknown());

const testSchema = z.strictObject({
  /** Stable item key; defaults to a hash of the prompt and the vars. */
  id: z.string().min(1).max(200).optional(),
  description: z.string().optional(),
  vars: varsSchema.default({}),
  assert: z.array(assertionSchema).default([]),
  /** Pass on the weighted score instead of requiring every assertion. */
  threshold: z.number().min(0).max(1).optional(),
});

const messageSchema = z.strictObject({ role: z.enum(["system", "user", "assistant"]), content: z.string() });

const promptSchema = z.union([
  z.string().min(1),
  z.strictObject({ label: z.string().min(1).optional(), messages: z.array(messageSchema).min(1) }),
  z.strictObject({ label: z.string().min(1).optional(), completion: z.string().min(1) }),
]);

/** Request parameters a target gets on every call. */
const requestOptionsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().min(1).optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
});

const providerSchema = z.union([
  z.string().min(1),
  z.strictObject({ id: z.string().min(1), label: z.string().min(1).optional(), config: requestOptionsSchema.default({}) }),
]);

const datasetReference = z.string().regex(/^file:\/\/.+\.(jsonl|csv)$/i, "a dataset reference: file://path.jsonl or file://path.csv");

/** A suite file: promptfoo's shape, checked strictly (unknown keys are errors). */
export const suiteSchema = z.strictObject({
  description: z.string().optional(),
  prompts: z.array(promptSchema).min(1),
  providers: z.array(providerSchema).default([]),
  defaultTest: z
    .strictObject({
      vars: varsSchema.default({}),
      assert: z.array(assertionSchema).default([]),
      /** Every test's `threshold` unless it sets its own. */
      threshold: z.number().min(0).max(1).optional(),
      /** `provider`: the judge (llm-rubric) or embedding model (similar) when an assertion names none. */
      options: z.strictObject({ provider: z.string().min(1).optional() }).default({}),
    })
    .default({ vars: {}, assert: [], options: {} }),
  tests: z.union([datasetReference, z.array(z.union([datasetReference, testSchema])).min(1)]),
  repeat: z.number().int().min(1).max(100).default(1),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
});

export type SuiteTest = z.output<typeof testSchema>;
export type SuiteAssertion = z.output<typeof assertionSchema>;
export type SuitePrompt = z.output<typeof promptSchema>;
export type RequestOptions = z.output<typeof requestOptionsSchema>;

/** Checks one dataset row shaped as a test. */
export const datasetTestSchema = testSchema;
