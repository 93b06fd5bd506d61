/**
 * Streams text through a transform that must see whole entities: everything but the last `holdback` characters
 * is released, and never in the middle of a span that `spansOf` reports (the cut moves to the span's start).
 * Entities shorter than `holdback` are therefore always transformed whole, however the chunks split them.
 */
export interface TextHoldback {
  /** Adds text; returns the transformed text that is now safe to send (maybe ""). */
  push(text: string): string;
  /** Releases (transformed) whatever is held: at the end of the stream. */
  flush(): string;
}

/** Holds back `holdback` characters of a stream of text for `transform`. */
export function createTextHoldback(holdback: number, spansOf: (text: string) => ReadonlyArray<{ start: number; end: number }>, transform: (text: string) => string): TextHoldback {
  let held = "";
  return {
    push(text) {
      held += text;
      let cut = held.length - holdback;
      if (cut <= 0) return "";
      for (const span of spansOf(held)) if (span.start < cut && span.end > cut) cut = span.start;
      // A partial placeholder (`<EMAIL_` …) is not a span yet; never cut inside one.
      const open = held.lastIndexOf("<", cut - 1);
      if (open !== -1 && cut - open < 32 && !held.slice(open, cut).includes(">")) cut = open;
      const code = held.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
      if (cut <= 0) return "";
      const ready = held.slice(0, cut);
      held = held.slice(cut);
      return transform(ready);
    },
    flush() {
      const rest = held;
      held = "";
      return rest === "" ? "" : transform(rest);
    },
  };
}
