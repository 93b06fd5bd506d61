import type { KvLayout } from "./model-info.js";

/** Why a tensor-parallel degree cannot split these attention heads, or undefined when it can. */
export function tensorParallelProblem(attentionHeads: number, kv: KvLayout, tp: number): string | undefined {
  if (attentionHeads % tp !== 0) return `tp ${tp} does not divide the ${attentionHeads} attention heads`;
  if (kv.kind === "heads" && kv.kvHeads % tp !== 0 && tp % kv.kvHeads !== 0) {
    return `tp ${tp} and the ${kv.kvHeads} KV heads do not divide one another`;
  }
  return undefined;
}
