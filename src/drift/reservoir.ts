/** A fixed-size uniform sample of a stream (Vitter's Algorithm R), with the slots each offer changed. */
export interface Reservoir<T> {
  /**
   * Offers the next item: returns the slot it takes (the caller then builds it with `set`), or -1 when it is not kept.
   * Deciding first lets the caller skip building items the reservoir would not keep.
   */
  offer(): number;
  set(slot: number, item: T): void;
  /** Items offered so far. */
  readonly seen: number;
  readonly items: readonly T[];
}

/**
 * Algorithm R: the first `size` items fill the slots; item i (0-based) then replaces a uniformly chosen slot with
 * probability size/(i+1), so every item seen is kept with the same probability. `random` is uniform in [0, 1).
 */
export function createReservoir<T>(size: number, random: () => number): Reservoir<T> {
  const items: T[] = [];
  let seen = 0;
  return {
    offer() {
      const index = seen++;
      if (index < size) return index;
      const slot = Math.floor(random() * (index + 1));
      return slot < size ? slot : -1;
    },
    set(slot, item) {
      items[slot] = item;
    },
    get seen() {
      return seen;
    },
    items,
  };
}
