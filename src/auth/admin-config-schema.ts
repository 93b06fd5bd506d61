import { z } from "zod";

/** `admin`: how the admin API (`/admin/*`) is reached. It always needs an admin credential unless opened here. */
export const adminConfigSchema = z.strictObject({
  /** Serve /admin/* without a credential; allowed only when the gateway binds to loopback. */
  open_on_loopback: z.boolean().default(false),
});

export type AdminConfig = z.output<typeof adminConfigSchema>;
