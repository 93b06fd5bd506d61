/** An admin API error, with the gateway's error code and status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onUnauthorized: () => void = () => undefined;

/** Remembers the session's CSRF token; every write sends it in x-csrf-token. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when the session ends under the page (expired, logged out elsewhere). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/** Calls the admin API with the session cookie (same origin) and, on writes, the CSRF token. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; bearer?: string } = {}): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.bearer !== undefined) headers["authorization"] = `Bearer ${init.bearer}`;
  else if (method !== "GET" && csrfToken !== null) headers["x-csrf-token"] = csrfToken;
  const response = await fetch(path, { method, headers, credentials: "same-origin", ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  const text = await response.text();
  const body: unknown = text === "" ? {} : JSON.parse(text);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    if (response.status === 401 && init.bearer === undefined) onUnauthorized();
    throw new ApiError(response.status, error?.code ?? "error", error?.message ?? response.statusText);
  }
  return body as T;
}

/** A query string from the set fields of `params`. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(name, String(value));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
