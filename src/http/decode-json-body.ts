/** What decoding and parsing a body gave: the value, or why it is not JSON. */
export type DecodedJson = { ok: true; value: unknown } | { ok: false; problem: "invalid_encoding" | "invalid_json"; message: string };

/** The SIMD checks from `node:buffer`, passed in so that a worker thread can run this function from its source text. */
export interface Utf8Checks {
  isAscii(bytes: Uint8Array): boolean;
  isUtf8(bytes: Uint8Array): boolean;
}

/**
 * Decodes UTF-8 strictly (malformed bytes are a problem, never replacement characters), dropping a leading
 * byte-order mark as TextDecoder does, then parses. An ASCII body (most are) becomes a one-byte string without a
 * UTF-8 decode. Self-contained on purpose: `json-parse-workers.ts` runs its source text in worker threads, so it may
 * use nothing but its arguments and globals, and declares no inner functions.
 */
export function decodeJsonBody(bytes: Uint8Array, checks: Utf8Checks): DecodedJson {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? buffer.subarray(3) : buffer;
  let source: string;
  if (checks.isAscii(text)) source = text.toString("latin1");
  else if (checks.isUtf8(text)) source = text.toString("utf8");
  else return { ok: false, problem: "invalid_encoding", message: "The request body is not valid UTF-8." };
  try {
    return { ok: true, value: JSON.parse(source) as unknown };
  } catch (error) {
    return { ok: false, problem: "invalid_json", message: error instanceof Error ? error.message : "parse error" };
  }
}
