import { createSleep, type Sleep } from "../../src/routing/abortable-sleep.js";
import type { Clock, Schedule } from "../../src/routing/clock.js";

/** A clock that moves only when told to, with timers that fire only as it moves. */
export interface FakeClock extends Clock {
  readonly schedule: Schedule;
  /** The production sleep, on this clock's timers. */
  readonly sleep: Sleep;
  /** Moves time forward by `ms`, firing every timer that falls due, each at its own due time, in order. */
  advance(ms: number): void;
  /** Moves time to the earliest pending timer and fires it; throws when none is pending. */
  fireNext(): void;
  /** Timers waiting to fire. */
  pending(): number;
  /** When the earliest pending timer falls due; undefined when none is pending. */
  nextDue(): number | undefined;
  /** Resolves the next time a timer is scheduled (e.g. once a retry starts waiting, or a probe has finished). */
  scheduled(): Promise<void>;
}

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/** Creates a fake clock that starts at `start` (the wall clock's now by default, so it also works as `Date.now`). */
export function createFakeClock(start = Date.now()): FakeClock {
  let time = start;
  let seq = 0;
  const timers: Timer[] = [];
  const waiters: Array<() => void> = [];

  const schedule: Schedule = (callback, ms) => {
    const timer = { at: time + Math.max(ms, 0), seq: seq++, callback };
    timers.push(timer);
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const wake of waiters.splice(0)) wake();
    return () => {
      const index = timers.indexOf(timer);
      if (index >= 0) timers.splice(index, 1);
    };
  };

  function fire(timer: Timer): void {
    timers.splice(timers.indexOf(timer), 1);
    time = Math.max(time, timer.at);
    timer.callback();
  }

  return {
    now: () => time,
    schedule,
    sleep: createSleep(schedule),
    advance(ms) {
      const until = time + ms;
      for (let next = timers[0]; next !== undefined && next.at <= until; next = timers[0]) fire(next);
      time = until;
    },
    fireNext() {
      const next = timers[0];
      if (next === undefined) throw new Error("no timer is pending");
      fire(next);
    },
    pending: () => timers.length,
    nextDue: () => timers[0]?.at,
    scheduled: () => new Promise<void>((resolve) => waiters.push(resolve)),
  };
}
