import type { Principal } from "../pipeline/principal.js";
import type { LimitsConfig } from "./limits-config-schema.js";
import type { LimitSubject } from "./limiter.js";
import type { BudgetSubject } from "./spend-store.js";

/** The key and its team as limit subjects (key first), with the limits each has; subjects with none are left out. */
export function limitSubjects(principal: Principal | undefined, limits: LimitsConfig): LimitSubject[] {
  if (principal === undefined) return [];
  const subjects: LimitSubject[] = [];
  const policy = principal.policy;
  if (policy?.rpm !== undefined || policy?.tpm !== undefined || policy?.max_concurrency !== undefined) {
    subjects.push({ id: `key:${principal.id}`, rpm: policy.rpm, tpm: policy.tpm, concurrency: policy.max_concurrency });
  }
  const team = principal.team === undefined ? undefined : limits.teams[principal.team];
  if (team !== undefined && (team.rpm !== undefined || team.tpm !== undefined || team.max_concurrency !== undefined)) {
    subjects.push({ id: `team:${principal.team ?? ""}`, rpm: team.rpm, tpm: team.tpm, concurrency: team.max_concurrency });
  }
  return subjects;
}

/** The spend subjects of a principal: its key always (so spend is visible), its team when it has one; each with its budget if any. */
export function budgetSubjects(principal: Principal | undefined, limits: LimitsConfig): BudgetSubject[] {
  if (principal === undefined) return [];
  const subjects: BudgetSubject[] = [{ id: `key:${principal.id}`, budget: principal.policy?.budget }];
  if (principal.team !== undefined) subjects.push({ id: `team:${principal.team}`, budget: limits.teams[principal.team]?.budget });
  return subjects;
}
