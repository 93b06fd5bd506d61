import type { Logger } from "../pipeline/logger.js";
import type { Sleep } from "../routing/abortable-sleep.js";
import { backoffDelay } from "../routing/backoff.js";
import type { Random } from "../routing/clock.js";
import type { AlertDeliveryConfig } from "./alerts-config-schema.js";
import type { AlertNotification } from "./alert-notification.js";
import type { AlertSink } from "./alert-sink.js";

/** Sends notifications to every sink off the evaluation path: one bounded queue and one sender per sink. */
export interface AlertDelivery {
  /** Queues a notification for every sink and returns at once; a full queue drops it (logged). */
  enqueue(notification: AlertNotification): void;
  /** Resolves once every queue is empty and no send is in flight. */
  idle(): Promise<void>;
  /** Stops: pending notifications are dropped, retry waits and in-flight sends are aborted. */
  close(): void;
}

export interface AlertDeliveryDeps {
  readonly sinks: readonly AlertSink[];
  readonly config: AlertDeliveryConfig;
  readonly logger: Logger;
  readonly sleep: Sleep;
  readonly random?: Random;
}

interface SinkQueue {
  readonly sink: AlertSink;
  readonly pending: AlertNotification[];
  busy: boolean;
}

/**
 * Each sink sends in order (a resolve never overtakes its firing), retrying a failed send with exponential backoff
 * and full jitter, bounded by `max_backoff_ms` and `max_attempts`. A slow receiver holds up only its own queue.
 */
export function createAlertDelivery(deps: AlertDeliveryDeps): AlertDelivery {
  const { config, logger, sleep } = deps;
  const random = deps.random ?? Math.random;
  const stopped = new AbortController();
  const queues: SinkQueue[] = deps.sinks.map((sink) => ({ sink, pending: [], busy: false }));
  let idleWaiters: Array<() => void> = [];

  const isIdle = (): boolean => queues.every((queue) => !queue.busy && queue.pending.length === 0);

  async function send(sink: AlertSink, notification: AlertNotification): Promise<void> {
    for (let attempt = 1; !stopped.signal.aborted; attempt++) {
      try {
        await sink.send(notification, AbortSignal.any([stopped.signal, AbortSignal.timeout(config.timeout_ms)]));
        return;
      } catch (error) {
        if (stopped.signal.aborted) return;
        const fields = { err: error, sink: sink.name, fingerprint: notification.fingerprint, status: notification.status, attempt };
        if (attempt >= config.max_attempts) {
          logger.error(fields, "alert notification not delivered: attempts exhausted");
          return;
        }
        logger.warn(fields, "alert notification failed: retrying");
        await sleep(backoffDelay(attempt, config.initial_backoff_ms, config.max_backoff_ms, random), stopped.signal).catch(() => undefined);
      }
    }
  }

  async function drain(queue: SinkQueue): Promise<void> {
    queue.busy = true;
    for (let next = queue.pending.shift(); next !== undefined && !stopped.signal.aborted; next = queue.pending.shift()) await send(queue.sink, next);
    queue.busy = false;
    if (isIdle()) for (const wake of idleWaiters.splice(0)) wake();
  }

  return {
    enqueue(notification) {
      if (stopped.signal.aborted) return;
      for (const queue of queues) {
        if (queue.pending.length >= config.queue_size) {
          logger.error({ sink: queue.sink.name, fingerprint: notification.fingerprint, status: notification.status }, "alert notification dropped: the sink's queue is full");
          continue;
        }
        queue.pending.push(notification);
        if (!queue.busy) void drain(queue);
      }
    },
    idle: () => (isIdle() ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close() {
      stopped.abort(new Error("alert delivery stopped"));
      for (const queue of queues) queue.pending.length = 0;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    },
  };
}
