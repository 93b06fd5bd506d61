import type { Random } from "../clock.js";
import { fnv1a } from "../stable-hash.js";
import { leastOutstanding } from "./least-outstanding.js";
import { rendezvous } from "./rendezvous.js";
import type { RoutingStrategy } from "./routing-strategy.js";

/** Sticky sessions by hashing a header (rendezvous hashing: no per-session state); requests without it go least-loaded. */
export function createSessionStrategy(header: string, random: Random): RoutingStrategy {
  return {
    key(input) {
      const value = input.headers[header];
      const session = Array.isArray(value) ? value[0] : value;
      return session === undefined || session === "" ? undefined : fnv1a(session.slice(0, 512));
    },
    pick: (candidates, key) => (key === undefined ? leastOutstanding(candidates, random) : rendezvous(candidates, key)),
  };
}
