import { createHash } from "node:crypto";
import { z } from "zod";
import { stableStringify } from "../cache/canonical-request.js";
import { deploymentSchema, type DeploymentConfig } from "../providers/deployment-config-schema.js";

/** Generation parameters a version fills in where the request left them out. */
export const generationDefaultsSchema = z
  .strictObject({
    temperature: z.number().min(0).max(2),
    top_p: z.number().min(0).max(1),
    max_tokens: z.number().int().positive(),
    presence_penalty: z.number().min(-2).max(2),
    frequency_penalty: z.number().min(-2).max(2),
    seed: z.number().int(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]),
  })
  .partial();

/** What one immutable model version is: its deployments, generation defaults, prompt, and free metadata. */
export const versionSpecSchema = z.strictObject({
  deployments: z.array(deploymentSchema).min(1).max(64),
  defaults: generationDefaultsSchema.default({}),
  /** Chat requests without a system (or developer) message get this one first. */
  system_prompt: z.string().min(1).max(100_000).optional(),
  /** Completion prompts (strings) are put in this template at `{{prompt}}`. */
  prompt_template: z
    .string()
    .max(100_000)
    .refine((template) => template.includes("{{prompt}}"), "the template must contain {{prompt}}")
    .optional(),
  metadata: z.record(z.string().max(200), z.json()).default({}),
});

export type VersionSpec = z.output<typeof versionSpecSchema>;

/** The spec of a model as the config file defines it: its deployments and nothing else. */
export function configVersionSpec(deployments: readonly DeploymentConfig[]): VersionSpec {
  return { deployments: [...deployments], defaults: {}, metadata: {} };
}

/** A spec's identity: equal definitions hash alike whatever their key order. */
export function versionSpecHash(spec: VersionSpec): string {
  return createHash("sha256").update(stableStringify(spec)).digest("hex");
}
