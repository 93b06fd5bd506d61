import { isIPv6 } from "node:net";
import type { PiiEntityType } from "./pii-config-schema.js";
import { chineseIdValid, entropyBits, ibanValid, luhnValid, ssnValid } from "./pii-checksums.js";

/** One piece of personal data or secret found in a text. */
export interface PiiSpan {
  readonly type: PiiEntityType;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

interface Detector {
  readonly type: PiiEntityType;
  readonly pattern: RegExp;
  readonly valid?: (match: string) => boolean;
}

// Order is priority when two detectors claim the same span (an 18-digit ID is not also a card number).
const detectors: readonly Detector[] = [
  { type: "secret", pattern: /(?<![\w-])(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|gk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|xox[abpr]-[A-Za-z0-9-]{10,})(?![\w-])/g },
  { type: "secret", pattern: /(?<![\w+/=-])[A-Za-z0-9+/_=-]{32,}(?![\w+/=-])/g, valid: highEntropy },
  { type: "email", pattern: /(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])/g },
  { type: "iban", pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g, valid: ibanValid },
  { type: "cn_resident_id", pattern: /(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/g, valid: chineseIdValid },
  { type: "credit_card", pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g, valid: (match) => luhnValid(match.replace(/[ -]/g, "")) },
  { type: "us_ssn", pattern: /(?<![\d-])\d{3}[- ]\d{2}[- ]\d{4}(?![\d-])/g, valid: ssnValid },
  { type: "phone", pattern: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\d])/g, valid: (match) => plausibleDigits(match, 8, 15) },
  { type: "phone", pattern: /(?<![\d])(?:\+?86[ -]?)?1[3-9]\d{9}(?!\d)/g },
  { type: "ip_address", pattern: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/g },
  { type: "ip_address", pattern: /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g, valid: (match) => match.length >= 3 && /[0-9A-Fa-f]/.test(match) && isIPv6(match) },
];

/** Finds the entities of the given types in a text, without overlaps (the longest span at each position wins). */
export function detectPii(text: string, types: ReadonlySet<PiiEntityType>): PiiSpan[] {
  const found: Array<PiiSpan & { priority: number }> = [];
  detectors.forEach((detector, priority) => {
    if (!types.has(detector.type)) return;
    for (const match of text.matchAll(detector.pattern)) {
      const value = match[0];
      if (detector.valid !== undefined && !detector.valid(value)) continue;
      found.push({ type: detector.type, start: match.index, end: match.index + value.length, value, priority });
    }
  });
  found.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start) || a.priority - b.priority);
  const spans: PiiSpan[] = [];
  let reached = 0;
  for (const span of found) {
    if (span.start < reached) continue;
    spans.push({ type: span.type, start: span.start, end: span.end, value: span.value });
    reached = span.end;
  }
  return spans;
}

function plausibleDigits(match: string, min: number, max: number): boolean {
  const digits = match.replace(/\D/g, "").length;
  return digits >= min && digits <= max;
}

/** Long random-looking tokens: letters and digits mixed, over 4 bits of entropy per character. */
function highEntropy(match: string): boolean {
  return /[A-Za-z]/.test(match) && /\d/.test(match) && entropyBits(match) > 4;
}
