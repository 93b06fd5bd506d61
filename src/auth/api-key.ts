import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Characters of a key kept visible (`gk-` plus 8). */
const prefixLength = 11;

/** A fresh virtual key: `gk-` and 32 random bytes in base64url, its hash and its visible prefix. */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `gk-${randomBytes(32).toString("base64url")}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, prefixLength) };
}

/** SHA-256 hex of a key; a salt adds nothing for 256-bit random secrets. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Compares two hex hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A new key id: short, random, safe to log. */
export function generateKeyId(): string {
  return `key_${randomBytes(9).toString("hex")}`;
}
