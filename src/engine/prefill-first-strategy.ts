import type { BatchItem, CustomBatchingPrioritizationStrategy, PrioritizedBatchItem } from "node-llama-cpp";

/**
 * The batch scheduler's fairness rule. node-llama-cpp decodes one batch per step across all sequences;
 * its default strategy mixes a new request's prompt into the step every running sequence is in, so the
 * newcomer's first token waits for the whole crowded step. Here a step with waiting prompts evaluates
 * only those prompts (oldest first), then the next step serves every decoding sequence (plus any prompt
 * chunk that still fits). Alternating bounds the cost either way: a new request waits at most one running
 * step before its prompt is read, and running streams lose at most every other step to prompt reading.
 */
export function createPrefillFirstStrategy(): CustomBatchingPrioritizationStrategy {
  let previousStepWasPrefillOnly = false;
  return ({ items, size }) => {
    const prefills: BatchItem[] = [];
    const decodes: BatchItem[] = [];
    for (const item of items) (item.tokens.length > 1 ? prefills : decodes).push(item);
    const batch: PrioritizedBatchItem[] = [];
    let room = size;
    const take = (list: readonly BatchItem[]): void => {
      for (const item of list) {
        if (room <= 0) return;
        const processAmount = Math.min(item.tokens.length, room);
        batch.push({ item, processAmount });
        room -= processAmount;
      }
    };
    if (prefills.length > 0 && (decodes.length === 0 || !previousStepWasPrefillOnly)) {
      take(prefills);
      previousStepWasPrefillOnly = decodes.length > 0;
      return batch;
    }
    previousStepWasPrefillOnly = false;
    take(decodes);
    take(prefills);
    return batch;
  };
}
