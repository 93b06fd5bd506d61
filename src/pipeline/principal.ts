/**
 * What a principal may do and how much. Empty here on purpose: the core layer cannot know the features' policy
 * schemas, so `auth/key-policy.ts` fills it in by module augmentation (docs/adr/0006-layers-and-composition-root.md).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PrincipalPolicy {}

/** Who is making a request, as authentication established it. */
export interface Principal {
  /** The key's id (or the JWT subject); stable, safe to log. */
  readonly id: string;
  /** A human name for the key or subject. */
  readonly name: string;
  /** The team the key belongs to, if any; limits, budgets and cache partitions may be per team. */
  readonly team?: string;
  /** How the principal proved itself. */
  readonly kind?: "key" | "jwt";
  /** What the principal may do (models, endpoints, caps, limits); absent = no restrictions beyond the team's. */
  readonly policy?: PrincipalPolicy;
}

/** The partition a request's cached answers and usage belong to: its team, else its key, else the open gateway. */
export function tenantOf(principal: Principal | undefined): string {
  if (principal === undefined) return "anonymous";
  return principal.team === undefined ? `key:${principal.id}` : `team:${principal.team}`;
}
