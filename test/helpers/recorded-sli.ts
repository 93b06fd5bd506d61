import type { SliCounts, SliSource } from "../../src/alerts/sli-source.js";

/** An SLI source over events a test records: each record is some good and some bad events of one SLO at one time. */
export interface RecordedSli extends SliSource {
  record(slo: string, time: number, good: number, bad: number): void;
}

/** Counts events with from ≤ time < to, as the rollups will. */
export function createRecordedSli(): RecordedSli {
  const events: { slo: string; time: number; good: number; total: number }[] = [];
  return {
    record(slo, time, good, bad) {
      events.push({ slo, time, good, total: good + bad });
    },
    async counts(slo, fromMs, toMs): Promise<SliCounts> {
      let good = 0;
      let total = 0;
      for (const event of events) {
        if (event.slo !== slo || event.time < fromMs || event.time >= toMs) continue;
        good += event.good;
        total += event.total;
      }
      return { good, total };
    },
  };
}
