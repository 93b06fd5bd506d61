import { ClientAbortedError } from "../errors/gateway-error.js";
import type { Answer, StreamAnswer } from "../pipeline/answer.js";
import { createStreamHub, type StreamHub } from "./stream-hub.js";

type Shared = { readonly kind: "json"; readonly answer: Answer } | { readonly kind: "stream"; readonly hub: StreamHub };

interface Flight {
  readonly controller: AbortController;
  subscribers: number;
  ended: boolean;
  readonly shared: Promise<Shared>;
}

/** Runs the shared work; `signal` is the flight's own, aborted only when every subscriber has gone. */
export type FlightWork = (signal: AbortSignal) => Promise<Answer>;

/** Identical requests in flight at the same time share one upstream call (request coalescing). */
export interface SingleFlight {
  /**
   * The answer for `key`: starts `work` when no flight for the key is open, else joins it. `joined` says which.
   * Each caller's `signal` only takes that caller out; a flight is removed from the map as soon as it ends.
   */
  run(key: string, signal: AbortSignal, work: FlightWork): Promise<{ answer: Answer; joined: boolean }>;
  /** Open flights (for tests and metrics). */
  size(): number;
}

/** Creates an empty coalescing table. */
export function createSingleFlight(): SingleFlight {
  const flights = new Map<string, Flight>();

  const finish = (key: string, flight: Flight): void => {
    flight.ended = true;
    if (flights.get(key) === flight) flights.delete(key);
  };

  const leave = (flight: Flight): void => {
    flight.subscribers--;
    // The last one out cancels the upstream call; nobody is left to want its answer.
    if (flight.subscribers === 0 && !flight.ended) flight.controller.abort(new ClientAbortedError());
  };

  const start = (key: string, work: FlightWork): Flight => {
    const controller = new AbortController();
    const flight: Flight = {
      controller,
      subscribers: 0,
      ended: false,
      shared: work(controller.signal).then(
        (answer): Shared => {
          if (answer.kind === "json") {
            finish(key, flight);
            return { kind: "json", answer };
          }
          const hub = createStreamHub(answer);
          void hub.ended.then((outcome) => {
            finish(key, flight);
            // Release the upstream iterator (and the routing lease) once nobody reads it any more.
            if (outcome.kind === "error") void answer.parts.return?.();
          });
          // The upstream must be released on abort too, before the abort turns into an upstream error.
          controller.signal.addEventListener("abort", () => void answer.parts.return?.(), { once: true });
          return { kind: "stream", hub };
        },
        (error: unknown) => {
          finish(key, flight);
          throw error;
        },
      ),
    };
    // Every subscriber may have left before the work settles; its failure then has no one to reach.
    flight.shared.catch(() => undefined);
    flights.set(key, flight);
    return flight;
  };

  return {
    async run(key, signal, work) {
      const open = flights.get(key);
      const joined = open !== undefined && !open.ended;
      const flight = joined ? open : start(key, work);
      flight.subscribers++;
      let shared: Shared;
      try {
        shared = await untilAborted(flight.shared, signal);
      } catch (error) {
        leave(flight);
        throw error;
      }
      if (shared.kind === "json") {
        leave(flight);
        return { answer: shared.answer, joined };
      }
      const answer: StreamAnswer = shared.hub.subscribe(signal, () => leave(flight));
      return { answer, joined };
    },
    size: () => flights.size,
  };
}

/** Waits for `promise` unless `signal` aborts first (then throws its reason); never leaves a listener behind. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}
