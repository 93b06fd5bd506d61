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
  model_version: string | null;
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

export interface SloStatus {
  name: string;
  objective: number;
  period_days: number;
  selector: { model?: string; version?: string; key?: string; team?: string };
  sli_kind: string;
  threshold_ms: number | null;
  events: { good: number; total: number };
  sli: number | null;
  error_budget: { allowed: number; consumed: number; remaining: number };
  burn_rates: Record<string, number | null>;
  window_events: Record<string, { good: number; total: number }>;
}

export interface AlertNotification {
  fingerprint: string;
  status: "firing" | "resolved";
  slo: string;
  severity: string;
  objective: number;
  window: { long: string; short: string; factor: number };
  labels: Record<string, string>;
  summary: string;
  burnRates: { long: number | null; short: number | null };
  startsAt: string;
  endsAt?: string;
  explorerUrl: string;
}

export interface AlertsView {
  firing: { fingerprint: string }[];
  states: { fingerprint: string; slo: string; window: string; severity: string; status: "firing" | "resolved"; since: number; evaluatedAt: number; alert: AlertNotification }[];
  history: { data: { id: string; fingerprint: string; time: number; status: "firing" | "resolved"; alert: AlertNotification }[]; next_cursor: string | null };
}

export interface DriftFeature {
  feature: string;
  kind: "numeric" | "categorical";
  status: string;
  test: string | null;
  statistic: number | null;
  p_value: number | null;
  distance: number | null;
  threshold: number | null;
  drifted: boolean;
  psi: number | null;
  reference_size: number;
  current_size: number;
  histogram?: { bins: string[]; edges?: number[]; reference: number[]; current: number[] };
}

export interface DriftWindow {
  from: number;
  to: number;
  samples?: number;
}

export interface DriftReport {
  model: string;
  version: string;
  reference: DriftWindow;
  current: DriftWindow;
  tested_features: number;
  drifted_features: string[];
  dataset_drift: boolean;
  drift_detected: boolean;
  not_enough_data: boolean;
  features: DriftFeature[];
}

export interface DriftView {
  current: DriftWindow;
  reference: DriftWindow;
  data: DriftReport[];
}

export interface RegistryModel {
  model: string;
  versions: number;
  aliases: Record<string, number>;
  split: Record<string, number> | null;
}

export interface RegistryVersion {
  version: number;
  source: string;
  created_at: string;
  created_by: string;
  aliases: string[];
}

export interface RegistryHistory {
  prod_at: number | null;
  changes: { id: number; at: number; actor: string; action: string; target: string | null; before_value: string | null; after_value: string | null }[];
}

export interface EvalRunSummary {
  id: string;
  suite: string;
  target: string;
  started_at: number;
  finished_at: number | null;
  answers: number;
  passed: number;
  pass_rate: number | null;
  cost_usd: number;
}

export interface EvalItem {
  item_key: string;
  repeat: number;
  pass: boolean;
  score: number;
  output: string;
  error: string | null;
  latency_ms: number;
  cost_usd: number;
  cached: boolean;
}

export interface EvalRun extends EvalRunSummary {
  suite_hash: string;
  model: string | null;
  model_version: string | null;
  errors: number;
  mean_score: number;
  mean_latency_ms: number;
  flaky_items: number;
  items: EvalItem[];
}

export interface EvalBaseline {
  name: string;
  run_id: string;
  set_by: string;
  set_at: number;
}

export interface CanaryRunView {
  model: string;
  version: number;
  status: string;
  weight: number;
  failures: number;
  inconclusives: number;
  started_at: number;
  step_started_at: number;
  updated_at: number;
  last_analysis: {
    at: number;
    note?: string;
    verdict: string;
    canary_requests: number;
    primary_requests: number;
    checks: { metric: string; verdict: string; canary: number | null; primary: number | null; reason: string }[];
  } | null;
}

export interface ShadowView {
  shadow_version: string | null;
  agreement_rate: number | null;
  comparisons: number;
  failed: number;
  data: { at: number; primary_version: string; shadow_version: string; scorer: string; score: number | null; agree: boolean | null; primary_output: string; shadow_output: string | null; error: string | null }[];
}
