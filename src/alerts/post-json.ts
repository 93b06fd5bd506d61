import type { Fetch } from "./alert-sink.js";

/** POSTs JSON and drains the answer; rejects on a network error or a non-2xx status, so the delivery retries. */
export async function postJson(fetchFn: Fetch, url: string, body: unknown, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<void> {
  const response = await fetchFn(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body), signal });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
}
