import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The lowercase hex sha256 of a file, streamed, so big model files never sit in memory. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
