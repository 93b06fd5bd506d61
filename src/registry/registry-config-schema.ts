import { z } from "zod";
import { progressiveConfigSchema } from "./progressive-config-schema.js";

/** The model registry (docs/registry.md): versions, aliases and traffic splits, kept in the database. */
export const registryConfigSchema = z.strictObject({
  /** Off = models route straight from the config file, with no versions (and no database opened for it). */
  enabled: z.boolean().default(true),
  /** How often each replica checks the registry's change stamp: the safety net under PostgreSQL notifications. */
  poll_ms: z.number().int().min(50).max(60_000).default(500),
  /** The request header whose value keeps a caller on one version when the request has neither `user` nor a key. */
  session_header: z
    .string()
    .regex(/^[a-z0-9-]+$/, "a lower-case header name")
    .default("x-gantry-session"),
  ...progressiveConfigSchema,
});

export type RegistryConfig = z.output<typeof registryConfigSchema>;
