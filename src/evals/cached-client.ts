import { createHash } from "node:crypto";
import { stableStringify } from "../cache/canonical-request.js";
import type { EvalStore } from "./eval-store.js";
import type { EvalClient, GatewayAnswer } from "./gateway-client.js";

/**
 * Wraps a client with the eval answer cache: an identical request (endpoint and body, whose `seed` carries the
 * repeat) is answered from the database with the figures first measured, so a rerun costs nothing and scores the
 * same answers. Failed calls are never cached.
 */
export function createCachedClient(client: EvalClient, store: Pick<EvalStore, "cachedAnswer" | "cacheAnswer">, now: () => number = Date.now): EvalClient {
  const keyOf = (kind: string, body: unknown): string => createHash("sha256").update(`eval-v1\n${kind}\n${stableStringify(body)}`).digest("hex");
  return {
    async answer(endpoint, body) {
      const key = keyOf(endpoint, body);
      const hit = await store.cachedAnswer(key);
      if (hit !== undefined) return { ...(JSON.parse(hit) as GatewayAnswer), cached: true };
      const answer = await client.answer(endpoint, body);
      if (answer.error === undefined) await store.cacheAnswer(key, JSON.stringify(answer), now());
      return answer;
    },
    async embed(model, texts) {
      const key = keyOf("embeddings", { model, texts });
      const hit = await store.cachedAnswer(key);
      if (hit !== undefined) return JSON.parse(hit) as { vectors: number[][]; costUsd: number };
      const result = await client.embed(model, texts);
      await store.cacheAnswer(key, JSON.stringify(result), now());
      return result;
    },
  };
}
