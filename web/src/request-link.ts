import { query } from "./api.js";

const unitMs: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a window name such as `5m`, `6h` or `3d`; undefined for anything else. */
export function windowMs(name: string): number | undefined {
  const match = /^(\d+)([mhd])$/.exec(name);
  const unit = match?.[2] === undefined ? undefined : unitMs[match[2]];
  return match === null || unit === undefined ? undefined : Number(match[1]) * unit;
}

/** The Requests page filtered to a scope (model, version, key, team) and a time window. */
export function requestsPath(scope: { model?: string | undefined; version?: string | undefined; key?: string | undefined; team?: string | undefined }, fromMs: number, toMs: number): string {
  return `/requests${query({ model: scope.model, version: scope.version, key: scope.key, team: scope.team, from: Math.floor(fromMs), to: Math.ceil(toMs) })}`;
}

/** The Requests page for an alert: the query of its explorer link (`/admin/requests?…`), the same filters the page takes. */
export function alertRequestsPath(explorerUrl: string): string {
  const index = explorerUrl.indexOf("?");
  return index === -1 ? "/requests" : `/requests${explorerUrl.slice(index)}`;
}
