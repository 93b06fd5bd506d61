import { z } from "zod";
import { piiConfigSchema } from "../guardrails/pii-config-schema.js";
import { budgetSchema } from "../limits/limits-config-schema.js";

/** The API operations a key may be allowed to call. */
export const endpointNames = ["chat", "completions", "embeddings"] as const;
export type EndpointName = (typeof endpointNames)[number];

/** Extra rights a key may be granted; `models:pin` lets its requests choose a model version (x-gantry-version). */
export const keyScopes = ["models:pin"] as const;
export type KeyScope = (typeof keyScopes)[number];

/** What a key may do and how much: the body of `POST /admin/keys` minus its identity fields. */
export const keyPolicySchema = z.strictObject({
  /** May use the admin API (`/admin/*`) with this key, as with the admin key. */
  admin: z.boolean().optional(),
  /** Model name globs (`*` matches any run of characters); absent = every model. */
  models: z.array(z.string().min(1).max(200)).max(100).optional(),
  endpoints: z.array(z.enum(endpointNames)).min(1).optional(),
  /** Extra rights (docs/security.md); absent = none. Admin keys hold every scope. */
  scopes: z.array(z.enum(keyScopes)).max(16).optional(),
  /** Requests asking for more output tokens are refused with 400; requests without max_tokens get this cap. */
  max_tokens: z.number().int().positive().optional(),
  max_prompt_tokens: z.number().int().positive().optional(),
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  max_concurrency: z.number().int().positive().optional(),
  budget: budgetSchema.optional(),
  /** PII guardrail for this key's requests, applied before the model's own. */
  pii: piiConfigSchema.optional(),
});

export type KeyPolicy = z.output<typeof keyPolicySchema>;

/** `POST /admin/keys` body. */
export const createKeyRequestSchema = keyPolicySchema.extend({
  name: z.string().min(1).max(200),
  team: z.string().min(1).max(200).regex(/^[\w.:@/+-]+$/, "team names use letters, digits and . : @ / + - _").optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

export type CreateKeyRequest = z.output<typeof createKeyRequestSchema>;

declare module "../pipeline/principal.js" {
  // A principal's policy is a key policy: declared here because the core layer may not import auth/.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface PrincipalPolicy extends KeyPolicy {}
}
