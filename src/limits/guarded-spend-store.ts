import type { RedisFailurePolicy } from "./limits-config-schema.js";
import { dependencyUnavailable } from "../errors/dependency-unavailable.js";
import type { SpendStore } from "./spend-store.js";

/**
 * Applies the budgets' Redis failure policy to a shared spend store. While it fails, reads fail closed (503
 * dependency_unavailable) or open (nothing spent, so no budget refuses), and spend that cannot be added is dropped:
 * the outage is logged once by the connection, not once per answer.
 */
export function createGuardedSpendStore(shared: SpendStore, policy: RedisFailurePolicy): SpendStore {
  return {
    add: async (subject, usd) => {
      await shared.add(subject, usd).catch(() => undefined);
    },
    get: async (subject) => {
      try {
        return await shared.get(subject);
      } catch (error) {
        if (policy === "fail_closed") throw dependencyUnavailable(error);
        return { dayUsd: 0, monthUsd: 0 };
      }
    },
    close: () => shared.close(),
  };
}
