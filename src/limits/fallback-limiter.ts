import { dependencyUnavailable } from "../errors/dependency-unavailable.js";
import type { RedisFailurePolicy } from "./limits-config-schema.js";
import type { Limiter } from "./limiter.js";

/**
 * Decides with `shared` (Redis) and, when it fails, by `policy`: fail_open decides with `local` (this replica's
 * memory limiter, so each replica admits up to the limits while Redis is down); fail_closed refuses with 503
 * dependency_unavailable. A request is settled where it was admitted.
 */
export function createFallbackLimiter(shared: Limiter, local: Limiter, policy: RedisFailurePolicy): Limiter {
  // Leases admitted by `local`; each is removed when it settles, which the limits stage always does.
  const localLeases = new Set<string>();
  return {
    acquire: async (lease, subjects, tokens) => {
      try {
        return await shared.acquire(lease, subjects, tokens);
      } catch (error) {
        if (policy === "fail_closed") throw dependencyUnavailable(error);
        const admission = await local.acquire(lease, subjects, tokens);
        if (admission.admitted) localLeases.add(lease);
        return admission;
      }
    },
    settle: async (lease, subjects, actualTokens, reservedTokens) => {
      if (localLeases.delete(lease)) return local.settle(lease, subjects, actualTokens, reservedTokens);
      return shared.settle(lease, subjects, actualTokens, reservedTokens);
    },
    close: async () => {
      await Promise.all([shared.close(), local.close()]);
    },
  };
}

