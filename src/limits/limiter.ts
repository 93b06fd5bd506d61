/** One thing requests are counted against (a key or a team) and its limits; absent limits are not enforced. */
export interface LimitSubject {
  readonly id: string;
  readonly rpm?: number | undefined;
  readonly tpm?: number | undefined;
  readonly concurrency?: number | undefined;
}

/** Where one subject stands after a decision, for the `x-ratelimit-*` headers. */
export interface LimitState {
  readonly requests?: { limit: number; remaining: number; resetMs: number };
  readonly tokens?: { limit: number; remaining: number; resetMs: number };
}

export type LimitKind = "requests" | "tokens" | "concurrency";

/** The outcome of reserving a request against every subject at once. */
export type Admission =
  | { readonly admitted: true; readonly state: LimitState }
  | { readonly admitted: false; readonly state: LimitState; readonly kind: LimitKind; readonly subject: string; readonly retryAfterMs: number };

/**
 * Counts requests and tokens (reservations, reconciled later) per subject in a sliding one-minute window of
 * one-second buckets, and concurrent requests; each call does constant work whatever the rate. `acquire` checks and
 * reserves against all subjects atomically: either every subject admits the request and all are charged, or none is.
 */
export interface Limiter {
  /** `state` describes the first subject (the key) for response headers. */
  acquire(lease: string, subjects: readonly LimitSubject[], tokens: number): Promise<Admission>;
  /** Replaces the reservation with what was really used (`actualTokens`; undefined keeps it) and ends the concurrency lease. */
  settle(lease: string, subjects: readonly LimitSubject[], actualTokens: number | undefined, reservedTokens: number): Promise<void>;
  close(): Promise<void>;
}

/** The window of RPM and TPM. */
export const limitWindowMs = 60_000;
/** The width of one bucket of that window: a request counts for between one window and one window plus one bucket. */
export const limitBucketMs = 1000;
/** A concurrency lease that was never settled (a crashed replica) frees itself after this long. */
export const concurrencyLeaseMs = 15 * 60_000;
