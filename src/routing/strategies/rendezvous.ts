import type { DeploymentState } from "../deployment-state.js";
import { mix } from "../stable-hash.js";

/**
 * Highest-random-weight hashing: the key's home is the candidate with the top score. No table to keep, and when a
 * replica drops out only the keys that lived on it move.
 */
export function rendezvous(candidates: readonly DeploymentState[], key: number): DeploymentState {
  let best = candidates[0] as DeploymentState;
  let bestScore = -1;
  for (const candidate of candidates) {
    const score = mix(key, candidate.index + 1);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
