import { concurrencyLeaseMs, limitWindowMs, type Admission, type LimitKind, type LimitState, type Limiter, type LimitSubject } from "./limiter.js";

interface SubjectState {
  /** Admission times, oldest first. */
  requests: number[];
  /** Token reservations, oldest first, and their total. */
  tokens: Array<{ lease: string; at: number; tokens: number }>;
  tokenSum: number;
  /** Concurrency leases and when they lapse. */
  leases: Map<string, number>;
}

/**
 * The limiter for one process. State exists only for subjects with requests in the last window; idle subjects are
 * swept, so memory is bounded by the traffic of the last minute.
 */
export function createMemoryLimiter(now: () => number = Date.now): Limiter {
  const subjects = new Map<string, SubjectState>();
  let lastSweep = 0;

  function stateOf(id: string): SubjectState {
    let state = subjects.get(id);
    if (state === undefined) {
      state = { requests: [], tokens: [], tokenSum: 0, leases: new Map() };
      subjects.set(id, state);
    }
    return state;
  }

  function trim(state: SubjectState, at: number): void {
    while (state.requests.length > 0 && (state.requests[0] ?? 0) <= at - limitWindowMs) state.requests.shift();
    while (state.tokens.length > 0 && (state.tokens[0]?.at ?? 0) <= at - limitWindowMs) state.tokenSum -= state.tokens.shift()?.tokens ?? 0;
    for (const [lease, until] of state.leases) if (until <= at) state.leases.delete(lease);
  }

  function sweep(at: number): void {
    if (at - lastSweep < 10_000) return;
    lastSweep = at;
    for (const [id, state] of subjects) {
      trim(state, at);
      if (state.requests.length === 0 && state.tokens.length === 0 && state.leases.size === 0) subjects.delete(id);
    }
  }

  function describe(subject: LimitSubject, state: SubjectState, at: number, tokens: number): LimitState {
    return {
      ...(subject.rpm === undefined ? {} : { requests: { limit: subject.rpm, remaining: Math.max(0, subject.rpm - state.requests.length), resetMs: state.requests.length === 0 ? 0 : (state.requests[0] ?? at) + limitWindowMs - at } }),
      ...(subject.tpm === undefined ? {} : { tokens: { limit: subject.tpm, remaining: Math.max(0, subject.tpm - state.tokenSum), resetMs: state.tokens.length === 0 ? 0 : tokenWait(state, at, Math.max(0, subject.tpm - tokens)) } }),
    };
  }

  /** How long until the reserved total falls to `target` or below. */
  function tokenWait(state: SubjectState, at: number, target: number): number {
    let sum = state.tokenSum;
    for (const entry of state.tokens) {
      if (sum <= target) break;
      sum -= entry.tokens;
      if (sum <= target) return entry.at + limitWindowMs - at;
    }
    return sum <= target ? 0 : limitWindowMs;
  }

  return {
    acquire: async (lease, list, tokens) => {
      const at = now();
      sweep(at);
      const states = list.map((subject) => {
        const state = stateOf(subject.id);
        trim(state, at);
        return state;
      });
      for (const [index, subject] of list.entries()) {
        const state = states[index] as SubjectState;
        const denial = (kind: LimitKind, retryAfterMs: number): Admission => ({
          admitted: false,
          kind,
          subject: subject.id,
          retryAfterMs: Math.max(1, retryAfterMs),
          state: describe(list[0] ?? subject, states[0] ?? state, at, tokens),
        });
        if (subject.rpm !== undefined && state.requests.length >= subject.rpm) return denial("requests", (state.requests[state.requests.length - subject.rpm] ?? at) + limitWindowMs - at);
        if (subject.tpm !== undefined && state.tokenSum + tokens > subject.tpm) return denial("tokens", tokens > subject.tpm ? limitWindowMs : tokenWait(state, at, subject.tpm - tokens));
        if (subject.concurrency !== undefined && state.leases.size >= subject.concurrency) return denial("concurrency", 1000);
      }
      for (const [index, subject] of list.entries()) {
        const state = states[index] as SubjectState;
        state.requests.push(at);
        if (tokens > 0) {
          state.tokens.push({ lease, at, tokens });
          state.tokenSum += tokens;
        }
        if (subject.concurrency !== undefined) state.leases.set(lease, at + concurrencyLeaseMs);
      }
      const first = list[0];
      return { admitted: true, state: first === undefined ? {} : describe(first, states[0] as SubjectState, at, 0) };
    },
    settle: async (lease, list, actualTokens) => {
      for (const subject of list) {
        const state = subjects.get(subject.id);
        if (state === undefined) continue;
        state.leases.delete(lease);
        if (actualTokens === undefined) continue;
        const entry = state.tokens.find((item) => item.lease === lease);
        if (entry === undefined) continue;
        state.tokenSum += actualTokens - entry.tokens;
        entry.tokens = actualTokens;
      }
    },
    close: async () => subjects.clear(),
  };
}
