import { z } from "zod";

const count = z.number().int().positive();

/**
 * `server.request_limits`: how many elements one request may carry. Checked before any expensive step (JSON.parse,
 * validation, tokenizing), so a body of many tiny elements is refused in milliseconds instead of blocking the loop.
 * The defaults sit above what OpenAI itself accepts.
 */
export const requestLimitsConfigSchema = z.strictObject({
  /** Nesting of arrays and objects (tool schemas run about 10 deep). */
  max_json_depth: count.max(512).default(64),
  /** Elements in the whole body (array items, object members and containers), counted before JSON.parse. */
  max_json_elements: count.default(300_000),
  /** Items of `messages`. */
  max_messages: count.default(10_000),
  /** Content parts of one message. */
  max_content_parts: count.default(1_024),
  /** Strings or token arrays in a list-valued `prompt` or `input` (OpenAI allows 2,048 embedding inputs). */
  max_prompts: count.default(2_048),
  /** Token ids in `prompt` or `input`, over all of its token arrays. */
  max_token_ids: count.default(262_144),
  /** Items of `tools` (OpenAI allows 128). */
  max_tools: count.default(128),
  /** Strings in `stop`. */
  max_stop_sequences: count.default(16),
  /** Entries of `logit_bias`. */
  max_logit_bias: count.default(1_024),
});

export type RequestLimits = z.output<typeof requestLimitsConfigSchema>;
