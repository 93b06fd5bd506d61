import { setImmediate as nextTurn } from "node:timers/promises";

/** Strings at least this long (a base64 image, a pasted document) are encoded in slices, never in one piece. */
const largeString = 256 * 1024;
/** Characters encoded per event-loop turn: well under a millisecond of encoding and fresh-page faults. */
const sliceChars = 256 * 1024;
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;
const quote = Buffer.from('"');

/** A body's JSON text in order: plain text, and large strings still to be escaped and encoded. */
type Piece = string | { large: string };

/**
 * The bytes of `JSON.stringify(value)`. Most bodies are that string as it is. A body holding a large string (a 4 MiB
 * image data URL) comes back as its UTF-8 bytes in pieces, made a slice per event-loop turn: one `JSON.stringify` of
 * the whole body and the encode of its result took 30–60 ms of main thread together on the hosts measured (most of
 * it page faults on two fresh 4 MiB allocations), long enough to stall every other request.
 */
export function encodeJsonBody(value: unknown): string | Promise<Buffer[]> {
  if (!holdsLargeString(value, undefined)) return JSON.stringify(value);
  const holders = new Set<object>();
  holdsLargeString(value, holders);
  const pieces: Piece[] = [];
  let text = "";
  const write = (item: unknown): void => {
    if (typeof item === "string" && item.length >= largeString) {
      pieces.push(text, { large: item });
      text = "";
    } else if (typeof item !== "object" || item === null || !holders.has(item)) {
      // A subtree without large strings (most of the body) is written by JSON.stringify itself.
      text += JSON.stringify(item) ?? "null";
    } else if (Array.isArray(item)) {
      text += "[";
      item.forEach((element: unknown, index) => {
        if (index > 0) text += ",";
        write(omitted(element) ? null : element);
      });
      text += "]";
    } else {
      // Holders are plain objects from the parsed body (no toJSON): members as JSON.stringify writes them.
      let first = true;
      text += "{";
      for (const [key, member] of Object.entries(item)) {
        if (omitted(member)) continue;
        text += `${first ? "" : ","}${JSON.stringify(key)}:`;
        first = false;
        write(member);
      }
      text += "}";
    }
  };
  write(value);
  pieces.push(text);
  return encodePieces(pieces);
}

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}

/**
 * Whether `value` holds a large string. With `holders`, every object and array on the way to one is added to it (the
 * whole value is walked); without, the walk stops at the first one (the check every body pays: no allocation).
 */
function holdsLargeString(value: unknown, holders: Set<object> | undefined): boolean {
  if (typeof value === "string") return value.length >= largeString;
  if (typeof value !== "object" || value === null) return false;
  let holds = false;
  if (Array.isArray(value)) {
    for (const element of value) {
      if (!holdsLargeString(element, holders)) continue;
      holds = true;
      if (holders === undefined) return true;
    }
  } else {
    for (const key in value) {
      if (!holdsLargeString((value as Record<string, unknown>)[key], holders)) continue;
      holds = true;
      if (holders === undefined) return true;
    }
  }
  if (holds) holders?.add(value);
  return holds;
}

/** The pieces' UTF-8 bytes, each large string escaped and encoded one slice per turn. */
async function encodePieces(pieces: readonly Piece[]): Promise<Buffer[]> {
  const buffers: Buffer[] = [];
  for (const piece of pieces) {
    if (typeof piece === "string") {
      if (piece.length > 0) buffers.push(Buffer.from(piece));
      continue;
    }
    const { large } = piece;
    buffers.push(quote);
    for (let start = 0; start < large.length; ) {
      let end = Math.min(start + sliceChars, large.length);
      // Never between the two halves of a surrogate pair: each half alone would be escaped as a lone surrogate.
      const last = large.charCodeAt(end - 1);
      if (end < large.length && last >= 0xd800 && last <= 0xdbff) end--;
      const slice = large.slice(start, end);
      buffers.push(Buffer.from(needsEscape.test(slice) ? JSON.stringify(slice).slice(1, -1) : slice));
      start = end;
      await nextTurn();
    }
    buffers.push(quote);
  }
  return buffers;
}
