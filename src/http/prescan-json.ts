const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** What a pre-scan allows: nesting depth and elements (array items, object members and containers). */
export interface JsonScanLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
}

/** Why a body failed the pre-scan. */
export type JsonScanProblem = "too_deep" | "too_many_elements";

/**
 * Scans JSON bytes before parsing: nesting deeper than `maxDepth` or more than `maxElements` elements (counted as
 * commas and opening brackets outside strings) fails. JSON.parse and validation cost grows with elements, not bytes,
 * so this bounds both (and the stack depth of later recursive code) for a few ms per 4 MiB. Strings are skipped
 * with the native `indexOf`, so a body that is mostly one long string costs almost nothing.
 */
export function prescanJson(bytes: Buffer, limits: JsonScanLimits): JsonScanProblem | undefined {
  const { maxDepth, maxElements } = limits;
  let depth = 0;
  let elements = 1;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === QUOTE) {
      index = closingQuote(bytes, index);
    } else if (byte === COMMA) {
      if (++elements > maxElements) return "too_many_elements";
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return "too_deep";
      if (++elements > maxElements) return "too_many_elements";
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return undefined;
}

/** The index of the quote that closes the string opened at `open` (or the end, for an unterminated string). */
function closingQuote(bytes: Buffer, open: number): number {
  let at = open;
  for (;;) {
    at = bytes.indexOf(QUOTE, at + 1);
    if (at === -1) return bytes.length;
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}
