import { mix32 } from "./hash32.js";

/** The split a cluster goes to: a seeded hash of its root row, so a whole cluster lands in one split, reproducibly. */
export function splitOf(clusterRoot: number, seed: number, validationFraction: number): "train" | "validation" {
  return mix32(clusterRoot ^ mix32(seed)) / 0x100000000 < validationFraction ? "validation" : "train";
}
