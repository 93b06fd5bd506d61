import type { StreamAnswer, StreamPart } from "./answer.js";

/** How a stream ended, as its observers are told. */
export type StreamOutcome = { readonly kind: "done" } | { readonly kind: "error"; readonly error: unknown } | { readonly kind: "abandoned" };

/** Something that watches a stream without changing it: each part as it passes, then the end, once. */
export interface StreamObserver {
  readonly part?: (part: StreamPart) => void;
  readonly end?: (outcome: StreamOutcome) => void;
}

interface Tap {
  readonly observers: StreamObserver[];
  outcome: StreamOutcome | undefined;
}

/** The tap behind each tapped iterator, so later observers join it instead of wrapping the stream again. */
const taps = new WeakMap<AsyncIterator<StreamPart>, Tap>();

/**
 * Subscribes `observer` to a stream answer through its one tap: the first subscriber wraps the parts once and
 * every later one joins, so each part is pulled and handed out once however many stages watch. The first part
 * (already arrived) is given to each observer as it subscribes.
 */
export function observeStream(answer: StreamAnswer, observer: StreamObserver): StreamAnswer {
  let tap = taps.get(answer.parts);
  let tapped = answer;
  if (tap === undefined) {
    const created: Tap = { observers: [], outcome: answer.first.done === true ? { kind: "done" } : undefined };
    tapped = { ...answer, parts: tapParts(answer.parts, created) };
    taps.set(tapped.parts, created);
    tap = created;
  }
  tap.observers.push(observer);
  if (answer.first.done !== true) observer.part?.(answer.first.value);
  if (tap.outcome !== undefined) observer.end?.(tap.outcome);
  return tapped;
}

function tapParts(parts: AsyncIterator<StreamPart>, tap: Tap): AsyncIterator<StreamPart> {
  const end = (outcome: StreamOutcome): void => {
    if (tap.outcome !== undefined) return;
    tap.outcome = outcome;
    for (const observer of tap.observers) observer.end?.(outcome);
  };
  return {
    next: async () => {
      let item: IteratorResult<StreamPart>;
      try {
        item = await parts.next();
      } catch (error) {
        end({ kind: "error", error });
        throw error;
      }
      if (item.done === true) end({ kind: "done" });
      else for (const observer of tap.observers) observer.part?.(item.value);
      return item;
    },
    return: async (value?: unknown) => {
      end({ kind: "abandoned" });
      return parts.return === undefined ? { done: true, value } : parts.return(value);
    },
  };
}
