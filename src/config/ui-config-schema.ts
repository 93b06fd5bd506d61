import { z } from "zod";

/** `ui`: the web dashboard at /ui (docs/dashboard.md). */
export const uiConfigSchema = z.strictObject({
  /** Serve the dashboard's static files at /ui; the admin API it uses is there either way. */
  enabled: z.boolean().default(true),
  /** Where the built dashboard is; absent = the package's own build (dist/web). */
  dir: z.string().min(1).optional(),
  /** How often GET /admin/live sends a snapshot. */
  live_interval_ms: z.number().int().min(250).max(60_000).default(1000),
  /** Live streams open at once per replica; more are refused with 429 `server_busy`. */
  max_live_streams: z.number().int().min(1).max(1000).default(50),
});

export type UiConfig = z.output<typeof uiConfigSchema>;
