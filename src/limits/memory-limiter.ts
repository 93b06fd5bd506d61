import { LRUCache } from "lru-cache";
import { addToWindow, adjustBucket, advanceWindow, bucketOf, createBucketedWindow, windowWait, type BucketedWindow } from "./bucketed-window.js";
import { concurrencyLeaseMs, limitBucketMs, limitWindowMs, type Admission, type LimitKind, type LimitState, type Limiter, type LimitSubject } from "./limiter.js";

interface SubjectState {
  /** Only the dimensions the subject is limited on are counted. */
  requests: BucketedWindow | undefined;
  tokens: BucketedWindow | undefined;
  /** Concurrency leases and when they lapse; insertion order is lapse order, as every lease lasts as long. */
  leases: Map<string, number>;
}

/** Where a token reservation was counted, so settling corrects that bucket. */
interface Reservation {
  readonly bucket: number;
  readonly tokens: number;
}

/** Everything a subject counts has left its window this long after its last admission. */
const idleMs = limitWindowMs + limitBucketMs;

/**
 * The limiter for one process. A subject's state is two fixed rings of buckets; subjects idle for a window (or, with
 * concurrency leases, for the lease time) are evicted, and at most `maxSubjects` (about 1 KiB each) are kept.
 */
export function createMemoryLimiter(now: () => number = Date.now, maxSubjects = 100_000): Limiter {
  const perf = { now };
  const subjects = new LRUCache<string, SubjectState>({ max: maxSubjects, ttl: idleMs, ttlResolution: 0, perf });
  // A reservation evicted or expired before it settles stays charged in full: eviction errs on the strict side.
  // Settled ones are left to age out rather than deleted: lru-cache clears (O(max)) when its last entry is deleted.
  const reservations = new LRUCache<string, Reservation>({ max: maxSubjects, ttl: idleMs, ttlResolution: 0, perf });

  function stateOf(subject: LimitSubject, bucket: number, at: number): SubjectState {
    const state = subjects.get(subject.id) ?? { requests: undefined, tokens: undefined, leases: new Map<string, number>() };
    if (subject.rpm !== undefined) advanceWindow((state.requests ??= createBucketedWindow(bucket)), bucket);
    if (subject.tpm !== undefined) advanceWindow((state.tokens ??= createBucketedWindow(bucket)), bucket);
    for (const [lease, until] of state.leases) {
      if (until > at) break;
      state.leases.delete(lease);
    }
    return state;
  }

  function describe(subject: LimitSubject, state: SubjectState, at: number, tokens: number): LimitState {
    const requests = state.requests;
    const reserved = state.tokens;
    return {
      ...(subject.rpm === undefined || requests === undefined ? {} : { requests: { limit: subject.rpm, remaining: Math.max(0, subject.rpm - requests.sum), resetMs: windowWait(requests, at, Math.max(0, requests.sum - 1)) } }),
      ...(subject.tpm === undefined || reserved === undefined ? {} : { tokens: { limit: subject.tpm, remaining: Math.max(0, subject.tpm - reserved.sum), resetMs: windowWait(reserved, at, Math.max(0, subject.tpm - tokens)) } }),
    };
  }

  return {
    acquire: async (lease, list, tokens) => {
      const at = now();
      const bucket = bucketOf(at);
      const states = list.map((subject) => stateOf(subject, bucket, at));
      for (const [index, subject] of list.entries()) {
        const state = states[index] as SubjectState;
        const denial = (kind: LimitKind, retryAfterMs: number): Admission => ({
          admitted: false,
          kind,
          subject: subject.id,
          retryAfterMs: Math.max(1, retryAfterMs),
          state: describe(list[0] ?? subject, states[0] ?? state, at, tokens),
        });
        const requests = state.requests;
        if (subject.rpm !== undefined && requests !== undefined && requests.sum >= subject.rpm) return denial("requests", windowWait(requests, at, subject.rpm - 1));
        const reserved = state.tokens;
        if (subject.tpm !== undefined && reserved !== undefined && reserved.sum + tokens > subject.tpm) return denial("tokens", tokens > subject.tpm ? limitWindowMs : windowWait(reserved, at, subject.tpm - tokens));
        if (subject.concurrency !== undefined && state.leases.size >= subject.concurrency) return denial("concurrency", 1000);
      }
      let reserves = false;
      for (const [index, subject] of list.entries()) {
        const state = states[index] as SubjectState;
        // Windows are counted (and were advanced above) only while the subject is limited on them.
        if (subject.rpm !== undefined && state.requests !== undefined) addToWindow(state.requests, bucket, 1);
        if (subject.tpm !== undefined && state.tokens !== undefined && tokens > 0) {
          addToWindow(state.tokens, bucket, tokens);
          reserves = true;
        }
        if (subject.concurrency !== undefined) state.leases.set(lease, at + concurrencyLeaseMs);
        subjects.set(subject.id, state, { ttl: state.leases.size > 0 ? concurrencyLeaseMs : idleMs });
      }
      if (reserves) reservations.set(lease, { bucket, tokens });
      const first = list[0];
      return { admitted: true, state: first === undefined ? {} : describe(first, states[0] as SubjectState, at, 0) };
    },
    settle: async (lease, list, actualTokens) => {
      const reservation = reservations.get(lease);
      for (const subject of list) {
        const state = subjects.get(subject.id);
        if (state === undefined) continue;
        state.leases.delete(lease);
        if (reservation === undefined || actualTokens === undefined || state.tokens === undefined) continue;
        adjustBucket(state.tokens, reservation.bucket, actualTokens - reservation.tokens);
      }
    },
    close: async () => {
      subjects.clear();
      reservations.clear();
    },
  };
}
