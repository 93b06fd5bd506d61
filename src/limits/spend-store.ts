/** Money spent by one subject in the current UTC day and month, in US dollars. */
export interface Spend {
  readonly dayUsd: number;
  readonly monthUsd: number;
}

/** Where spend is added up per subject (key or team). */
export interface SpendStore {
  add(subject: string, usd: number): Promise<void>;
  get(subject: string): Promise<Spend>;
  close(): Promise<void>;
}

/** `2025-01-31` and `2025-01` for a time, in UTC. */
export function spendPeriods(at: number): { day: string; month: string } {
  const iso = new Date(at).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}
