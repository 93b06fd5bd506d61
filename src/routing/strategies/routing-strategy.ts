import type { JsonObject } from "../../protocol/openai-responses.js";
import type { DeploymentState } from "../deployment-state.js";

/** What a strategy may look at in a request. */
export interface RoutingInput {
  readonly body: JsonObject;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Chooses one deployment among the available ones. */
export interface RoutingStrategy {
  /** Computes the request's placement key once (prefix or session hash); undefined when it has none. */
  key(input: RoutingInput): number | undefined;
  /** Picks from a non-empty list of available deployments. */
  pick(candidates: readonly DeploymentState[], key: number | undefined): DeploymentState;
}
