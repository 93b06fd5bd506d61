import type { PiiEntityType } from "./pii-config-schema.js";
import { detectPii, type PiiSpan } from "./pii-detectors.js";

/** Longest placeholder plus margin: what a stream filter must hold back to never split one. */
export const maxPlaceholderLength = 32;

/**
 * One request's redactions: each distinct value gets a typed placeholder (`<EMAIL_1>`), the same value the same
 * placeholder, so the model still sees which mentions are the same. `restore` maps placeholders back.
 */
export interface PiiRedactor {
  /** Replaces entities with placeholders; `except` values (e.g. the client's own, restored) are left alone. */
  redact(text: string, except?: ReadonlySet<string>): string;
  restore(text: string): string;
  /** The entity types found so far. */
  found(): PiiEntityType[];
  /** The original values redacted so far. */
  originals(): ReadonlySet<string>;
  detect(text: string): PiiSpan[];
}

/** A redactor for one request and the given entity types. */
export function createPiiRedactor(types: readonly PiiEntityType[]): PiiRedactor {
  const typeSet = new Set(types);
  const byValue = new Map<string, string>();
  const byPlaceholder = new Map<string, string>();
  const counters = new Map<PiiEntityType, number>();
  const seenTypes = new Set<PiiEntityType>();
  const detect = (text: string): PiiSpan[] => detectPii(text, typeSet);
  return {
    detect,
    redact(text, except) {
      const spans = detect(text).filter((span) => except === undefined || !except.has(span.value));
      if (spans.length === 0) return text;
      let out = "";
      let at = 0;
      for (const span of spans) {
        seenTypes.add(span.type);
        let placeholder = byValue.get(span.value);
        if (placeholder === undefined) {
          const count = (counters.get(span.type) ?? 0) + 1;
          counters.set(span.type, count);
          placeholder = `<${span.type.toUpperCase()}_${count}>`;
          byValue.set(span.value, placeholder);
          byPlaceholder.set(placeholder, span.value);
        }
        out += text.slice(at, span.start) + placeholder;
        at = span.end;
      }
      return out + text.slice(at);
    },
    restore: (text) => (byPlaceholder.size === 0 ? text : text.replace(/<[A-Z_]+_\d+>/g, (placeholder) => byPlaceholder.get(placeholder) ?? placeholder)),
    found: () => [...seenTypes],
    originals: () => new Set(byPlaceholder.values()),
  };
}
