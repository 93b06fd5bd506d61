import { z } from "zod";

// Request schemas check the fields the gateway relies on and pass every other field through untouched,
// so vendor extensions (top_k, repetition_penalty, guided_json…) reach upstreams that understand them.

// How many stop strings, messages, tools, token ids… a request may carry is checked before this schema runs
// (check-element-counts.ts, from config), so the schema stays a fixed, precompiled value.
const stop = z.union([z.string(), z.array(z.string())]).nullable();
const tokenCount = z.number().int().min(1);

const contentPart = z.looseObject({ type: z.string().min(1) });
const message = z
  .looseObject({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
    name: z.string().optional(),
    tool_call_id: z.string().optional(),
    tool_calls: z.array(z.looseObject({})).optional(),
  })
  .superRefine((value, context) => {
    // Only an assistant turn may omit content (it carries tool_calls instead), as in OpenAI's API.
    if (value.role !== "assistant" && (value.content === undefined || value.content === null)) {
      context.addIssue({ code: "custom", path: ["content"], message: `a ${value.role} message needs content` });
    }
  });

const samplingFields = {
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  stop: stop.optional(),
  max_tokens: tokenCount.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  logit_bias: z.record(z.string(), z.number()).nullable().optional(),
  user: z.string().optional(),
};

/** OpenAI rejects stream_options on a non-streaming request; so do we, rather than silently ignore it. */
function streamOptionsNeedStream(value: { stream?: boolean | null | undefined; stream_options?: unknown }, context: z.RefinementCtx): void {
  if (value.stream_options !== undefined && value.stream_options !== null && value.stream !== true) {
    context.addIssue({ code: "custom", path: ["stream_options"], message: "stream_options is only allowed when stream is true" });
  }
}

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  ...samplingFields,
  max_completion_tokens: tokenCount.nullable().optional(),
  response_format: z
    .looseObject({
      type: z.enum(["text", "json_object", "json_schema"]),
      json_schema: z.looseObject({ name: z.string().optional(), schema: z.looseObject({}).optional() }).optional(),
    })
    .nullable()
    .optional(),
  tools: z.array(z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string().min(1) }).optional() })).optional(),
  tool_choice: z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string() })]).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
}).superRefine(streamOptionsNeedStream);

/** True for an array of token ids (non-negative integers), of at least `minItems`. */
function isTokenIds(value: unknown, minItems: number): value is number[] {
  if (!Array.isArray(value) || value.length < minItems) return false;
  for (const item of value) if (!Number.isInteger(item) || (item as number) < 0) return false;
  return true;
}

/**
 * A prompt: a string, or a list of strings, of token ids, or of token-id arrays, each checked in one pass. A zod
 * union of arrays here cost one issue object per element for every branch that did not match: 8 s and 1.5 GB of
 * memory for 2 M token ids.
 */
function promptSchema(minItems: number): z.ZodType<string | string[] | number[] | number[][]> {
  return z.custom<string | string[] | number[] | number[][]>(
    (value) =>
      typeof value === "string" ||
      (Array.isArray(value) &&
        value.length >= minItems &&
        (value.every((item) => typeof item === "string") || isTokenIds(value, minItems) || value.every((item) => isTokenIds(item, minItems)))),
    {
      // A value of the wrong type reads like every other type error ("expected string or array, got number").
      error: (issue) =>
        `expected string or ${minItems > 0 ? "non-empty " : ""}array of strings or token ids or token-id arrays, got ${Array.isArray(issue.input) ? "array" : issue.input === null ? "null" : typeof issue.input}`,
    },
  );
}

export const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: promptSchema(0),
  ...samplingFields,
  echo: z.boolean().nullable().optional(),
  suffix: z.string().nullable().optional(),
  best_of: z.number().int().min(1).max(20).nullable().optional(),
  logprobs: z.number().int().min(0).max(5).nullable().optional(),
}).superRefine(streamOptionsNeedStream);

export const embeddingRequestSchema = z
  .looseObject({
    model: z.string().min(1),
    input: promptSchema(0),
    encoding_format: z.enum(["float", "base64"]).optional(),
    dimensions: z.number().int().min(1).optional(),
    user: z.string().optional(),
  })
  .superRefine((value, context) => {
    // OpenAI refuses empty inputs; an embedding of nothing is a zero-length or meaningless vector.
    const empty = (item: unknown): string | undefined => (item === "" ? "empty string" : Array.isArray(item) && item.length === 0 ? "empty array" : undefined);
    const whole = empty(value.input);
    if (whole !== undefined) {
      context.addIssue({ code: "custom", path: ["input"], message: whole });
      return;
    }
    if (!Array.isArray(value.input)) return;
    for (const [index, item] of (value.input as unknown[]).entries()) {
      const problem = empty(item);
      if (problem !== undefined) context.addIssue({ code: "custom", path: ["input", index], message: problem });
    }
  });

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type CompletionRequest = z.output<typeof completionRequestSchema>;
export type EmbeddingRequest = z.output<typeof embeddingRequestSchema>;
