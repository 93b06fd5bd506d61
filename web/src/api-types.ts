/** Response shapes of the admin endpoints the dashboard reads (docs/dashboard.md, docs/api.md). */

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface SessionInfo {
  csrf_token: string | null;
  expires_at?: string;
  principal: { kind: "admin_key" } | { kind: "key"; id: string; name: string; team?: string };
}

export interface LiveSnapshot {
  at: number;
  rps: number;
  in_flight: number;
  requests: number;
  errors: number;
  errors_by_type: Record<string, number>;
  latency_ms: Percentiles;
  ttft_ms: Percentiles;
  tpot_ms: Percentiles;
  tokens: { input: number; output: number; cached: number };
  cost_usd: number;
  cache_hit_rate: number | null;
  saved_usd: number;
}

export interface GroupStats {
  requests: number;
  rps: number;
  errors: number;
  error_rate: number;
  latency_ms: Percentiles;
  ttft_ms: Percentiles;
  tokens: { prompt: number; completion: number; cached: number };
  cost_usd: number;
}

export interface WindowStats {
  from: number;
  to: number;
  total: GroupStats;
  models: (GroupStats & { model: string | null })[];
}

export interface DeploymentView {
  id: string;
  provider: string;
  upstream_model: string;
  weight: number;
  state: string;
  reason?: string;
  available: boolean;
  healthy: boolean | null;
  breaker: string;
  ejected: boolean;
  in_flight: number;
  external_load: number;
  latency_ewma_ms: number;
}

export interface ModelDeployments {
  model: string;
  fallbacks: string[];
  fast_path: boolean;
  health_checks: boolean;
  deployments: DeploymentView[];
}

export interface RequestSummary {
  id: string;
  client_request_id: string | null;
  time: number;
  path: string;
  key_id: string | null;
  team: string | null;
  model: string | null;
  deployment: string | null;
  answered_by: string | null;
  stream: boolean;
  attempts: number;
  status: number;
  error_code: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost_usd: number;
  ttft_ms: number | null;
  latency_ms: number;
  upstream_ms: number | null;
  cache: string | null;
  finish_reason: string | null;
}

export interface Feedback {
  id: string;
  time: number;
  score: number | null;
  thumbs: "up" | "down" | null;
  label: string | null;
  comment: string | null;
}

export interface RequestDetail extends RequestSummary {
  request_body: string | null;
  response_body: string | null;
  feedback: Feedback[];
}

export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  team?: string;
  admin?: boolean;
  models?: string[];
  rpm?: number;
  tpm?: number;
  max_concurrency?: number;
  budget?: { daily_usd?: number; monthly_usd?: number };
  created_at: string;
  expires_at?: string;
  revoked_at?: string;
}

export interface SpendView {
  keys: { id: string; name: string; team: string | null; budget: { daily_usd?: number; monthly_usd?: number } | null; day_usd: number; month_usd: number }[];
  teams: { team: string; day_usd: number; month_usd: number }[];
}

export interface ListOf<T> {
  data: T[];
  next_cursor?: string | null;
}
