import type { Clock } from "./clock.js";

/** Counters over the last `windowMs`, kept in a fixed ring of slots so memory never grows. */
export interface SlidingCounts<Field extends string> {
  add(field: Field, amount?: number): void;
  totals(): Readonly<Record<Field, number>>;
  reset(): void;
}

const slotCount = 10;

/** Creates sliding-window counters for the given fields; resolution is a tenth of the window. */
export function createSlidingCounts<Field extends string>(fields: readonly Field[], windowMs: number, clock: Clock): SlidingCounts<Field> {
  const slotMs = windowMs / slotCount;
  const slots = Array.from({ length: slotCount }, () => ({ epoch: -1, counts: new Map<Field, number>() }));

  function current(): (typeof slots)[number] {
    const epoch = Math.floor(clock.now() / slotMs);
    const slot = slots[epoch % slotCount] as (typeof slots)[number];
    if (slot.epoch !== epoch) {
      slot.epoch = epoch;
      slot.counts.clear();
    }
    return slot;
  }

  return {
    add(field, amount = 1) {
      const slot = current();
      slot.counts.set(field, (slot.counts.get(field) ?? 0) + amount);
    },
    totals() {
      const oldest = Math.floor(clock.now() / slotMs) - slotCount + 1;
      const totals = Object.fromEntries(fields.map((field) => [field, 0])) as Record<Field, number>;
      for (const slot of slots) {
        if (slot.epoch < oldest) continue;
        for (const field of fields) totals[field] += slot.counts.get(field) ?? 0;
      }
      return totals;
    },
    reset() {
      for (const slot of slots) {
        slot.epoch = -1;
        slot.counts.clear();
      }
    },
  };
}
