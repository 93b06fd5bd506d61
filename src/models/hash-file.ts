import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";

/** Feeds a file's bytes into a hash, streaming, so big model files never sit in memory. */
export async function hashFileInto(hash: Hash, file: string): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}

/** The lowercase hex sha256 of a file. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  await hashFileInto(hash, file);
  return hash.digest("hex");
}
