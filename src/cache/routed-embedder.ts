import { GatewayError } from "../errors/gateway-error.js";
import type { JsonObject } from "../protocol/openai-responses.js";
import { runAttempts, type AttemptProgress } from "../routing/attempt-loop.js";
import type { RoutingTable } from "../routing/routing-table.js";
import { normalize } from "./semantic-index.js";
import { clipClientText } from "../errors/clip-client-text.js";

/** Embeds one text with a configured model; resolves to a unit vector. */
export type Embedder = (model: string, text: string, signal: AbortSignal, requestId: string) => Promise<Float32Array>;

/** An embedder that goes through the gateway's own routing (health, breaker, retries) for the embedding model. */
export function createRoutedEmbedder(routing: RoutingTable): Embedder {
  return async (model, text, signal, requestId) => {
    const router = routing.get(model);
    if (router === undefined) throw new GatewayError("model_not_found", { message: `The embedding model "${clipClientText(model)}" does not exist.` });
    const body: JsonObject = { model, input: text };
    const progress: AttemptProgress = { attempts: 0, model, deployment: undefined, fallbackPosition: 0 };
    const { value, lease } = await runAttempts(routing, router, { body, headers: {} }, signal, progress, (deployment) =>
      deployment.provider.embed({ body: { ...body, model: deployment.upstreamModel }, signal, requestId }),
    );
    lease.succeed();
    const data = value.body["data"];
    const first = Array.isArray(data) ? (data[0] as JsonObject | undefined) : undefined;
    const embedding = first?.["embedding"];
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((item) => typeof item === "number")) {
      throw new GatewayError("upstream_bad_response", { message: `The embedding model "${model}" returned no float vector.` });
    }
    return normalize(embedding as number[]);
  };
}
