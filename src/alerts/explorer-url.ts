/**
 * The request explorer query (`GET /admin/requests`) for an SLO's scope and a window: its model, version, key and
 * team, and the window (the dashboard opens its Requests page with the same query).
 */
export function explorerUrl(labels: Readonly<Record<string, string>>, fromMs: number, toMs: number, externalUrl = ""): string {
  const query = new URLSearchParams();
  for (const name of ["model", "version", "key", "team"] as const) {
    const value = labels[name];
    if (value !== undefined && value !== "") query.set(name, value);
  }
  query.set("from", String(Math.floor(fromMs)));
  query.set("to", String(Math.ceil(toMs)));
  return `${externalUrl.replace(/\/+$/, "")}/admin/requests?${query.toString()}`;
}
