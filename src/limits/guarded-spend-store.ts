import type { RedisFailurePolicy } from "./limits-config-schema.js";
import { dependencyUnavailable } from "../errors/dependency-unavailable.js";
import type { SpendStore } from "./spend-store.js";

/**
 * Applies the budgets' Redis failure policy to a shared spend store. While it fails, reservations and reads fail
 * closed (503 dependency_unavailable) or open (admitted, nothing spent), and a settlement that cannot be made is
 * dropped: the outage is logged once by the connection, not once per answer.
 */
export function createGuardedSpendStore(shared: SpendStore, policy: RedisFailurePolicy): SpendStore {
  const failed = <T>(error: unknown, open: T): T => {
    if (policy === "fail_closed") throw dependencyUnavailable(error);
    return open;
  };
  return {
    // Spend of subjects without a budget is only recorded, never enforced: an outage cannot let them overspend.
    reserve: (subjects, usd, at) =>
      shared.reserve(subjects, usd, at).catch((error: unknown) => (subjects.every((subject) => subject.budget === undefined) ? { admitted: true as const } : failed(error, { admitted: true as const }))),
    settle: (subjects, reservedUsd, actualUsd, at) => shared.settle(subjects, reservedUsd, actualUsd, at).catch(() => undefined),
    get: (subject) => shared.get(subject).catch((error: unknown) => failed(error, { dayUsd: 0, monthUsd: 0 })),
    close: () => shared.close(),
  };
}
