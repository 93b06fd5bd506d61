import type { Random } from "../clock.js";
import { loadOf } from "../deployment-state.js";
import { fnv1a } from "../stable-hash.js";
import { leastOutstanding } from "./least-outstanding.js";
import { rendezvous } from "./rendezvous.js";
import type { RoutingInput, RoutingStrategy } from "./routing-strategy.js";

/** Hashing stops here, so a huge prompt costs no more than a long one. */
const maxPrefixChars = 2_048;

/**
 * Sends requests that share a conversation start to the same replica (its prompt cache is warm there), without a
 * table: the key is a hash of the messages up to the first user message, placed by rendezvous hashing. A busy or
 * unavailable home falls back to the least-loaded replica.
 */
export function createPrefixAffinityStrategy(busyThreshold: number, random: Random): RoutingStrategy {
  return {
    key: prefixKey,
    pick(candidates, key) {
      if (key === undefined) return leastOutstanding(candidates, random);
      const home = rendezvous(candidates, key);
      return loadOf(home) >= busyThreshold ? leastOutstanding(candidates, random) : home;
    },
  };
}

/** The hash of a chat's messages through the first user turn, or of a completion prompt's start. */
export function prefixKey(input: RoutingInput): number | undefined {
  const messages = input.body["messages"];
  if (Array.isArray(messages)) {
    let prefix = "";
    for (const message of messages as unknown[]) {
      prefix += JSON.stringify(message).slice(0, maxPrefixChars - prefix.length);
      if (prefix.length >= maxPrefixChars || (message !== null && typeof message === "object" && (message as Record<string, unknown>)["role"] === "user")) break;
    }
    return prefix === "" ? undefined : fnv1a(prefix);
  }
  const prompt = input.body["prompt"];
  const text = typeof prompt === "string" ? prompt : Array.isArray(prompt) && typeof prompt[0] === "string" ? prompt[0] : undefined;
  return text === undefined || text === "" ? undefined : fnv1a(text.slice(0, maxPrefixChars));
}
