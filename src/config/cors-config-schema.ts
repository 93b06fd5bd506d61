import { z } from "zod";

/** `server.cors`: browser origins allowed to call the gateway; absent = CORS off (no CORS headers at all). */
export const corsConfigSchema = z.strictObject({
  origins: z.array(z.union([z.literal("*"), z.url({ protocol: /^https?$/ })])).min(1),
  max_age_s: z.number().int().min(0).max(86_400).default(600),
});

export type CorsConfig = z.output<typeof corsConfigSchema>;
