/** What to send after a piece of text went through the stop matcher. */
export interface StopMatch {
  /** Text safe to send now. */
  readonly emit: string;
  /** A stop string was found; `emit` is everything before it and generation should end. */
  readonly stopped: boolean;
}

/** Finds stop strings in streamed text, holding back any tail that could still grow into one. */
export interface StopMatcher {
  push(text: string): StopMatch;
  /** Releases the held-back tail once generation ends for another reason. */
  flush(): string;
}

/** Creates a stop matcher; with no stop strings it passes text straight through. */
export function createStopMatcher(stops: readonly string[]): StopMatcher {
  const patterns = stops.filter((stop) => stop !== "");
  if (patterns.length === 0) return { push: (text) => ({ emit: text, stopped: false }), flush: () => "" };
  let held = "";
  return {
    push(text) {
      const buffer = held + text;
      let cut = -1;
      for (const stop of patterns) {
        const at = buffer.indexOf(stop);
        if (at !== -1 && (cut === -1 || at < cut)) cut = at;
      }
      if (cut !== -1) {
        held = "";
        return { emit: buffer.slice(0, cut), stopped: true };
      }
      const keep = longestStopPrefixSuffix(buffer, patterns);
      held = buffer.slice(buffer.length - keep);
      return { emit: buffer.slice(0, buffer.length - keep), stopped: false };
    },
    flush() {
      const rest = held;
      held = "";
      return rest;
    },
  };
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
function longestStopPrefixSuffix(text: string, stops: readonly string[]): number {
  let best = 0;
  for (const stop of stops) {
    for (let length = Math.min(stop.length - 1, text.length); length > best; length--) {
      if (text.endsWith(stop.slice(0, length))) {
        best = length;
        break;
      }
    }
  }
  return best;
}
