/** Cuts `text` to at most `maxBytes` UTF-8 bytes, never mid-character. */
export function capText(text: string, maxBytes: number): string {
  // A UTF-16 unit is at least one byte, so anything with no more units than bytes allowed may still need a cut.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over UTF-8 continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}
