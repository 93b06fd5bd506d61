/** One step of one of several merged generators. */
export type MergedStep<Yield, Return> = { readonly index: number; readonly done: false; readonly value: Yield } | { readonly index: number; readonly done: true; readonly value: Return };

/**
 * Runs several generators at once and yields their steps as they come, tagged with the generator's index.
 * Leaving early (or a failure of one) returns every generator still running.
 */
export async function* mergeGenerators<Yield, Return>(generators: readonly AsyncGenerator<Yield, Return>[]): AsyncGenerator<MergedStep<Yield, Return>> {
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<Yield, Return> }>>();
  const pull = (index: number): void => {
    const generator = generators[index];
    if (generator !== undefined) pending.set(index, generator.next().then((result) => ({ index, result })));
  };
  generators.forEach((_, index) => pull(index));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      pending.delete(index);
      if (result.done === true) {
        yield { index, done: true, value: result.value };
        continue;
      }
      pull(index);
      yield { index, done: false, value: result.value };
    }
  } finally {
    for (const [index, step] of pending) {
      step.catch(() => undefined);
      void generators[index]?.return(undefined as Return).catch(() => undefined);
    }
  }
}
