/** Cuts `text` to at most `maxBytes` UTF-8 bytes, never mid-character. */
export function capText(text: string, maxBytes: number): string {
  // A UTF-16 unit is at least one byte, so anything with no more units than bytes allowed may still need a cut.
  if (text.length * 3 <= maxBytes) return text;
  return capBytes(Buffer.from(text, "utf8"), maxBytes);
}

const utf8 = new TextDecoder("utf-8");

/** Decodes the first `maxBytes` of UTF-8 `bytes`, cut on a character boundary; only the kept prefix is decoded. */
export function capBytes(bytes: Uint8Array, maxBytes: number): string {
  if (bytes.length <= maxBytes) return utf8.decode(bytes);
  let end = maxBytes;
  // Step back over UTF-8 continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return utf8.decode(bytes.subarray(0, end));
}
