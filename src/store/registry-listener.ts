import pg from "pg";
import { registryChannel } from "./registry-store.js";

/** A held LISTEN connection; `close` ends it. */
export interface RegistryListener {
  close(): Promise<void>;
}

/**
 * Listens for registry change notifications on PostgreSQL and calls `onChange` for each. `onLost` is told when the
 * connection drops, so the caller can listen again (its polling covers the gap).
 */
export async function listenForRegistryChanges(url: string, onChange: () => void, onLost: (error: Error) => void): Promise<RegistryListener> {
  const client = new pg.Client({ connectionString: url });
  let closing = false;
  client.on("notification", (message) => {
    if (message.channel === registryChannel) onChange();
  });
  client.on("error", (error) => {
    if (!closing) onLost(error);
  });
  client.on("end", () => {
    if (!closing) onLost(new Error("the registry's LISTEN connection ended"));
  });
  await client.connect();
  await client.query(`LISTEN ${registryChannel}`);
  return {
    close: async () => {
      closing = true;
      await client.end().catch(() => undefined);
    },
  };
}
