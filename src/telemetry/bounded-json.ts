import { capText } from "./cap-text.js";

/**
 * `capText(JSON.stringify(value), maxBytes)` for JSON data (what JSON.parse gives, possibly rewritten), without
 * serialising what the cap would cut: the walk stops once `maxBytes` are out, and a long string is sliced before it
 * is escaped. Work is bounded by the cap, not by the size of `value`.
 */
export function boundedJson(value: unknown, maxBytes: number): string {
  const pieces: string[] = [];
  // UTF-16 units written so far: a lower bound on the UTF-8 bytes, so stopping on it never stops too early.
  let written = 0;
  const push = (piece: string): boolean => {
    pieces.push(piece);
    written += piece.length;
    return written <= maxBytes;
  };
  const write = (item: unknown): boolean => {
    if (typeof item === "string") {
      // Every unit is at least one byte: units past the budget can only land beyond the cut.
      return push(JSON.stringify(item.length > maxBytes - written ? item.slice(0, Math.max(0, maxBytes - written) + 1) : item));
    }
    if (Array.isArray(item)) {
      if (!push("[")) return false;
      for (let index = 0; index < item.length; index++) {
        if (index > 0 && !push(",")) return false;
        const element: unknown = item[index];
        if (!(isSkipped(element) ? push("null") : write(element))) return false;
      }
      return push("]");
    }
    if (typeof item === "object" && item !== null) {
      if (!push("{")) return false;
      let first = true;
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        const field: unknown = (item as Record<string, unknown>)[key];
        if (isSkipped(field)) continue;
        if (!push(`${first ? "" : ","}${JSON.stringify(key)}:`) || !write(field)) return false;
        first = false;
      }
      return push("}");
    }
    return push(JSON.stringify(item) ?? "null");
  };
  write(value);
  return capText(pieces.join(""), maxBytes);
}

/** What JSON.stringify leaves out of objects and writes as null in arrays. */
function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}
