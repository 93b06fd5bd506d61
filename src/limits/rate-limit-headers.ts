import type { LimitState } from "./limiter.js";

/** OpenAI's `x-ratelimit-*` headers for a subject's state; resets as durations such as `1s` or `6m0s`. */
export function rateLimitHeaders(state: LimitState): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [kind, entry] of [["requests", state.requests], ["tokens", state.tokens]] as const) {
    if (entry === undefined) continue;
    headers[`x-ratelimit-limit-${kind}`] = String(entry.limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(entry.remaining);
    headers[`x-ratelimit-reset-${kind}`] = formatDuration(entry.resetMs);
  }
  return headers;
}

function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
}
