import type { TrainingRow } from "./training-row.js";

// Zero-width and byte-order marks carry no meaning in training text and defeat exact dedup.
const invisible = /[\u200B-\u200D\u2060\uFEFF]/g;

/** Unicode NFC, one newline style, no trailing spaces, runs of spaces and tabs folded, at most one blank line in a row. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFC")
    .replace(invisible, "")
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t\f\v\u00A0]+/g, " ")
    .replace(/ ?\n ?/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** The row with every message normalised. */
export function normalizeRow(row: TrainingRow): TrainingRow {
  return { format: row.format, messages: row.messages.map((message) => ({ role: message.role, content: normalizeText(message.content) })) };
}

/** The text dedup compares: lower case, letters and digits only, words separated by single spaces. */
export function dedupText(row: Pick<TrainingRow, "messages">): string {
  return row.messages
    .map((message) => message.content)
    .join(" ")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}
