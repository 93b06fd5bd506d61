import type { Random } from "../clock.js";
import type { RoutingConfig } from "../routing-config-schema.js";
import { createLatencyStrategy } from "./latency.js";
import { createLeastOutstandingStrategy } from "./least-outstanding.js";
import { createPrefixAffinityStrategy } from "./prefix-affinity.js";
import { createRoundRobinStrategy } from "./round-robin.js";
import type { RoutingStrategy } from "./routing-strategy.js";
import { createSessionStrategy } from "./session.js";

/** Builds the strategy a model's `routing` config names. */
export function createStrategy(config: RoutingConfig, deploymentCount: number, random: Random): RoutingStrategy {
  switch (config.strategy) {
    case "round-robin":
      return createRoundRobinStrategy(deploymentCount);
    case "least-outstanding":
      return createLeastOutstandingStrategy(random);
    case "latency":
      return createLatencyStrategy(random);
    case "prefix-affinity":
      return createPrefixAffinityStrategy(config.busy_threshold, random);
    case "session":
      return createSessionStrategy(config.session_header, random);
  }
}
