import type { PipelineRequest } from "../pipeline/answer.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { ModelRouter } from "./model-router.js";

/** The version of a model chosen for one request: the router of its deployments and the request as it applies. */
export interface ModelVersionChoice {
  readonly model: string;
  /** The version's label (its number), as logged, echoed and used in metric and rollup keys. */
  readonly version: string;
  readonly router: ModelRouter;
  /** The request with the version's generation defaults and prompt applied. */
  readonly request: PipelineRequest;
}

/**
 * Picks a model's version per request (the registry implements it; docs/registry.md). Called on the hot path, so an
 * implementation answers from memory.
 */
export interface ModelVersionResolver {
  /** The version that serves this request; undefined when the model has no versions (the config's router serves). */
  resolve(context: RequestContext, request: PipelineRequest): ModelVersionChoice | undefined;
  /**
   * Told once the primary answer has been written to the client, and only then: where a shadow copy of the request
   * can be dispatched to a candidate version without delaying the client.
   */
  answered(context: RequestContext, choice: ModelVersionChoice): void;
}

/** No registry: every model routes as the config file defines it. */
export const configOnlyVersions: ModelVersionResolver = { resolve: () => undefined, answered: () => undefined };
