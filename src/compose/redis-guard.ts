import type { Command, Redis } from "ioredis";
import { dependencyUnavailable } from "../errors/dependency-unavailable.js";
import { GatewayError } from "../errors/gateway-error.js";
import { createCircuitBreaker } from "../routing/circuit-breaker.js";
import { systemClock, type Clock } from "../routing/clock.js";
import { createPipelineDecision } from "./redis-pipeline-decision.js";

/** Where one guarded connection stands, for the log and `gantry_redis_up` / `gantry_redis_failures_total`. */
export interface RedisHealth {
  readonly up: boolean;
  /** Commands that failed for lack of Redis (timeouts, lost connection, short-circuited), since start. */
  readonly failures: number;
}

export interface RedisGuardOptions {
  /** Called once per change of `up`, with the error that took Redis down. */
  onChange(up: boolean, error: unknown): void;
  /** The breaker's clock; injected by tests. */
  clock?: Clock;
}

/** How long a command may wait once sent: the longest a request waits on a Redis that stopped answering. */
export const redisCommandTimeoutMs = 100;
/** Reconnect attempts back off to at most this, so a returning Redis is found again within it. */
export const redisReconnectCapMs = 250;
// Three timeouts in a row open the breaker; while open every command fails at once, and every cooldown one command
// goes through as a probe (its success closes the breaker).
const breakerSettings = { enabled: true, consecutive_failures: 3, error_rate: 1, window_ms: 10_000, min_requests: 1_000_000, cooldown_ms: 250, half_open_probes: 1 } as const;

/**
 * Puts a breaker in front of every command of one ioredis client. ioredis has no middleware hook, so the client's
 * `sendCommand` (which every command, pipeline and transaction goes through) is wrapped: while the connection is
 * lost, or the breaker is open, a command is rejected at once with 503 `dependency_unavailable` instead of queuing;
 * otherwise its outcome feeds the breaker. Errors Redis replied with about a command prove it is up. A pipeline is
 * admitted or refused whole, and every other failure reaches the caller as 503 (docs/adr/0012).
 */
export function guardRedis(client: Redis, options: RedisGuardOptions): () => RedisHealth {
  const breaker = createCircuitBreaker(breakerSettings, options.clock ?? systemClock);
  // Set once a connection was lost or could not be made: from then on a missing connection fails commands at once.
  let settled = false;
  let up = true;
  let failures = 0;
  const update = (error: unknown): void => {
    const now = client.status === "ready" && breaker.state() === "closed";
    if (now === up) return;
    up = now;
    options.onChange(up, error);
  };
  const failed = (error: unknown): void => {
    failures++;
    breaker.failure();
    update(error);
  };
  // A command refused here never reached Redis, so it says nothing about Redis: it counts as a failure for the health
  // figures, but not for the breaker. Feeding the breaker with it re-opened a half-open breaker whenever a command
  // came while the single probe was in flight, so under steady traffic a returning Redis was never found again (the
  // serial Redis-outage test, once: no recovery within 5 s).
  const refused = (): void => {
    failures++;
    update(undefined);
  };
  const succeeded = (): void => {
    breaker.success();
    update(undefined);
  };
  // With no traffic nothing would probe an open breaker: probe each cooldown until Redis is reported back (a probe
  // that lands while the breaker is still open is refused at once, so one probe alone could miss the half-open window).
  const probeUntilUp = (): void => {
    if (up || client.status !== "ready") return;
    setTimeout(() => void client.ping().catch(() => undefined).finally(probeUntilUp), breakerSettings.cooldown_ms).unref();
  };
  client.on("ready", () => {
    update(undefined);
    probeUntilUp();
  });
  client.on("close", () => {
    settled = true;
    failed(new Error("connection to Redis lost"));
  });

  const send = client.sendCommand.bind(client);
  const decide = createPipelineDecision();
  const admit = (): boolean => {
    if (client.status !== "ready" || !breaker.available()) return false;
    breaker.acquire();
    return true;
  };
  client.sendCommand = (command: Command, stream?: Parameters<Redis["sendCommand"]>[1]) => {
    // Anything but Redis's own reply (a timeout, a connection lost with the command in flight or queued) reaches the
    // caller as 503 dependency_unavailable, so no path that writes to Redis (admin key creation, audit) answers 500.
    const reject = command.reject;
    command.reject = (error: Error) => reject(isReplyError(error) ? error : dependencyUnavailable(error));
    // During a handshake ioredis sends its own commands; before the first connection settles, commands queue.
    if (client.status === "connect" || (!settled && client.status !== "ready")) return send(command, stream);
    // Only the first command of a pipeline takes the breaker's slot (the half-open probe): the rest go with it.
    if (!decide(stream, admit)) {
      refused();
      command.reject(dependencyUnavailable(undefined));
      return command.promise;
    }
    const result = send(command, stream);
    const timer = setTimeout(() => {
      // Deferred past the poll phase: after an event-loop stall the reply may already be in the socket, unread, and a
      // busy gateway must not take its own stall for a Redis that stopped answering (ioredis's commandTimeout would).
      setImmediate(() => command.reject(new Error(`Redis did not answer within ${redisCommandTimeoutMs} ms`)));
    }, redisCommandTimeoutMs);
    command.promise.then(
      () => {
        clearTimeout(timer);
        succeeded();
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (isReplyError(error)) succeeded();
        else failed(error instanceof GatewayError ? error.cause : error);
      },
    );
    return result;
  };
  return () => ({ up, failures });
}

// Replies with which Redis says it cannot serve now (loading its data, a script running too long, no primary): to the
// breaker and the caller they are the same as no answer.
const cannotServe = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN) /;

/** Redis answered with an error about the command (WRONGTYPE, NOSCRIPT…): it is up, and the caller needs the error as it is. */
function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === "ReplyError" && !cannotServe.test(error.message);
}
