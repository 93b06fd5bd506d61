import { z } from "zod";

/** `admin`: how the admin API (`/admin/*`) is reached. It always needs an admin credential unless opened here. */
export const adminConfigSchema = z.strictObject({
  /** Serve /admin/* without a credential; allowed only when the gateway binds to loopback. */
  open_on_loopback: z.boolean().default(false),
  /** The dashboard's login sessions (docs/dashboard.md): kept in memory on each replica. */
  session: z
    .strictObject({
      /** A session ends this long after login, whatever its use. */
      ttl_minutes: z.number().int().min(1).max(7 * 24 * 60).default(480),
      /** Sessions kept per replica; beyond it the least recently used one is logged out. */
      max_sessions: z.number().int().min(1).max(100_000).default(1000),
      /** `auto`: Secure on TLS connections or when `x-forwarded-proto: https`; `always` behind a TLS proxy that sends no such header. */
      secure_cookie: z.enum(["auto", "always", "never"]).default("auto"),
    })
    .prefault({}),
});

export type AdminConfig = z.output<typeof adminConfigSchema>;
