import { GatewayError, UpstreamError } from "../errors/gateway-error.js";
import type { GenerateCall, Provider, ProviderState, StreamPart } from "../pipeline/provider.js";
import { mapUpstreamStatus } from "../providers/openai-compatible/map-upstream-failure.js";
import type { Sleep } from "../routing/abortable-sleep.js";
import type { Random } from "../routing/clock.js";
import type { ActiveFault } from "./fault-spec.js";

/** One deployment's faults; the board fills it, the decorator reads it on every attempt. */
export interface FaultSlot {
  faults: readonly ActiveFault[];
}

export interface FaultyProviderOptions {
  /** The slot's faults still in force (drops expired ones). */
  current(): readonly ActiveFault[];
  sleep: Sleep;
  random: Random;
  /** The deployment's first-byte timeout: how long a hang lasts before the attempt fails, as a real hang would. */
  firstByteMs: number;
}

const downState: ProviderState = { state: "failed", reason: "marked down by a drill" };

/**
 * Decorates a provider with the faults in its slot. With none in force (the slot is empty) every call goes straight
 * to the provider: one length check per attempt. Faults act like the real failure would, with the errors the
 * openai-compatible provider throws for it, so retries, breakers and fallbacks react as they would in production.
 */
export function createFaultyProvider(inner: Provider, slot: FaultSlot, options: FaultyProviderOptions): Provider {
  const label = inner.label;

  /** Waits out injected latency, then fails the attempt if a fault says so; returns a mid-stream cut, if any. */
  const beforeFirstByte = async (signal: AbortSignal): Promise<number | undefined> => {
    const faults = options.current();
    let delayMs = 0;
    for (const fault of faults) if (fault.spec.kind === "latency") delayMs += fault.spec.latency_ms + Math.floor(options.random() * (fault.spec.jitter_ms + 1));
    if (delayMs > 0) await options.sleep(delayMs, signal);
    for (const { spec } of faults) {
      switch (spec.kind) {
        case "error":
          if (options.random() < spec.rate) {
            const headers = spec.retry_after_s === undefined ? {} : { "retry-after": String(spec.retry_after_s) };
            throw mapUpstreamStatus(label, spec.status, headers, JSON.stringify({ error: { message: `injected by a drill: ${spec.status}` } }));
          }
          break;
        case "hang":
          await options.sleep(options.firstByteMs, signal);
          throw new GatewayError("upstream_timeout", { message: `the upstream sent no first byte within ${options.firstByteMs} ms (${label}; hang injected by a drill)` });
        case "reset":
          if (spec.after_chunks === 0) throw resetError(label, "before the first byte");
          return spec.after_chunks;
        default:
          break;
      }
    }
    return undefined;
  };

  async function* faultyStream(call: GenerateCall): AsyncGenerator<StreamPart> {
    const cutAfter = await beforeFirstByte(call.signal);
    let sent = 0;
    for await (const part of inner.stream(call)) {
      if (sent === cutAfter) throw resetError(label, `after ${sent} chunks`);
      yield part;
      sent++;
    }
  }

  return {
    kind: inner.kind,
    label,
    generate: (call) =>
      slot.faults.length === 0
        ? inner.generate(call)
        : beforeFirstByte(call.signal).then((cutAfter) => {
            // A non-streaming answer cut mid-body never reaches the client whole.
            if (cutAfter !== undefined) throw resetError(label, "mid-response");
            return inner.generate(call);
          }),
    stream: (call) => (slot.faults.length === 0 ? inner.stream(call) : faultyStream(call)),
    embed: (call) =>
      slot.faults.length === 0
        ? inner.embed(call)
        : beforeFirstByte(call.signal).then((cutAfter) => {
            if (cutAfter !== undefined) throw resetError(label, "mid-response");
            return inner.embed(call);
          }),
    state: () => (slot.faults.length !== 0 && options.current().some((fault) => fault.spec.kind === "down") ? downState : inner.state()),
    close: () => inner.close(),
  };
}

function resetError(label: string, when: string): UpstreamError {
  return new UpstreamError("upstream_unreachable", { provider: label, message: `the upstream could not be reached (ECONNRESET ${when}; injected by a drill)` });
}
