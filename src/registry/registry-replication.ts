import type { Schedule } from "../routing/clock.js";
import type { Logger } from "../pipeline/logger.js";
import type { RegistryListener } from "../store/registry-listener.js";

/** Keeps a replica's registry snapshot current; `stop` ends the polling and the listener. */
export interface RegistryReplication {
  stop(): Promise<void>;
}

export interface RegistryReplicationOptions {
  /** Re-reads the registry when its stamp moved. */
  reload(): Promise<void>;
  pollMs: number;
  schedule: Schedule;
  logger: Logger;
  /** Opens a change listener (PostgreSQL LISTEN); absent on SQLite, where polling alone carries changes. */
  listen?: (onChange: () => void, onLost: (error: Error) => void) => Promise<RegistryListener>;
}

/**
 * Notifications carry changes at once; the stamp poll is the safety net (a dropped LISTEN connection, a missed
 * notification, SQLite shared by several processes) and re-opens a lost listener on its next tick.
 */
export function startRegistryReplication(options: RegistryReplicationOptions): RegistryReplication {
  const { logger } = options;
  let stopped = false;
  let listener: RegistryListener | undefined;
  let listening = false;
  let failing = false;
  const reload = (): void => {
    options.reload().catch((error: unknown) => logger.warn({ err: error }, "registry reload failed: serving the last snapshot"));
  };
  const listen = (): void => {
    if (options.listen === undefined || listening || stopped) return;
    listening = true;
    options
      .listen(reload, (error) => {
        logger.warn({ err: error }, "registry change notifications lost: polling until they are back");
        listening = false;
        listener = undefined;
      })
      .then(
        async (opened) => {
          failing = false;
          if (stopped) await opened.close();
          else listener = opened;
          // Anything changed while the listener was down is picked up now.
          reload();
        },
        (error: unknown) => {
          listening = false;
          // Retried on every poll: warned about once per outage, not once per try.
          if (!failing) logger.warn({ err: error }, "registry change notifications unavailable: polling");
          failing = true;
        },
      );
  };
  let cancel: (() => void) | undefined;
  const tick = (): void => {
    if (stopped) return;
    reload();
    listen();
    cancel = options.schedule(tick, options.pollMs);
  };
  listen();
  cancel = options.schedule(tick, options.pollMs);
  return {
    stop: async () => {
      stopped = true;
      cancel?.();
      await listener?.close();
    },
  };
}
