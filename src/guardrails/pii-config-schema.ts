import { z } from "zod";

/** The kinds of personal data and secrets the PII guardrail knows. */
export const piiEntityTypes = ["email", "phone", "credit_card", "iban", "us_ssn", "cn_resident_id", "ip_address", "secret"] as const;
export type PiiEntityType = (typeof piiEntityTypes)[number];

/** `models[].guardrails.pii` (and a key's `pii`): what to look for and what to do about it. */
export const piiConfigSchema = z.strictObject({
  mode: z.enum(["redact", "block", "log-only"]).default("redact"),
  entities: z.array(z.enum(piiEntityTypes)).min(1).default([...piiEntityTypes]),
  /** Also redact what the model answers (streams keep a short tail buffer so split entities are caught). */
  output: z.boolean().default(false),
  /** Redact mode: put the originals back in place of the placeholders in the answer. */
  restore: z.boolean().default(false),
});

export const guardrailsConfigSchema = z.strictObject({ pii: piiConfigSchema.optional() });

export type PiiConfig = z.output<typeof piiConfigSchema>;
