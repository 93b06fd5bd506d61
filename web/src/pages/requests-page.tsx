import { useState, type FormEvent } from "react";
import { query } from "../api.js";
import type { ListOf, RequestSummary } from "../api-types.js";
import { formatMs, formatNumber, formatTime, formatUsd } from "../format.js";
import { navigate, useLocation } from "../router.js";
import { useFetch } from "../use-fetch.js";

const filterFields = [
  { name: "model", label: "Model" },
  { name: "version", label: "Version" },
  { name: "key", label: "Key id" },
  { name: "team", label: "Team" },
  { name: "status", label: "Status (404, 5xx)" },
  { name: "error_code", label: "Error type" },
  { name: "min_latency_ms", label: "Min latency (ms)" },
  { name: "max_latency_ms", label: "Max latency (ms)" },
  { name: "client_request_id", label: "Client request id" },
] as const;
const pageSize = 50;

/**
 * The request log (GET /admin/requests): filters live in the URL so a filtered view can be linked, and pages follow
 * the keyset cursor, so a page costs the same at row 10 or row 1,000,000.
 */
export function RequestsPage() {
  const { search } = useLocation();
  const [cursors, setCursors] = useState<string[]>([]);
  const filters: Record<string, string | undefined> = {};
  for (const field of [...filterFields.map((item) => item.name), "from", "to"]) filters[field] = search.get(field) ?? undefined;
  const cursor = cursors.at(-1);
  const { data, error, loading } = useFetch<ListOf<RequestSummary>>(`/admin/requests${query({ ...filters, limit: pageSize, cursor })}`);

  const apply = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: Record<string, string> = {};
    for (const [name, value] of form) if (typeof value === "string" && value.trim() !== "") next[name] = name === "from" || name === "to" ? String(new Date(value).getTime()) : value.trim();
    setCursors([]);
    navigate(`/requests${query(next)}`);
  };

  return (
    <section>
      <h1>Requests</h1>
      <form className="filters" onSubmit={apply} aria-label="Request filters" key={search.toString()}>
        <label>
          From <input type="datetime-local" name="from" defaultValue={toLocalInput(filters["from"])} />
        </label>
        <label>
          To <input type="datetime-local" name="to" defaultValue={toLocalInput(filters["to"])} />
        </label>
        {filterFields.map((field) => (
          <label key={field.name}>
            {field.label} <input name={field.name} defaultValue={filters[field.name] ?? ""} />
          </label>
        ))}
        <button type="submit">Apply filters</button>
      </form>
      {error === undefined ? null : (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table aria-busy={loading}>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Model</th>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col">Error</th>
            <th scope="col">Latency</th>
            <th scope="col">TTFT</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
            <th scope="col">Key / team</th>
            <th scope="col">Request</th>
          </tr>
        </thead>
        <tbody>
          {data?.data.map((row) => (
            <tr key={row.id} data-testid="request-row">
              <td>{formatTime(row.time)}</td>
              <td>{row.model ?? "–"}</td>
              <td>{row.model_version ?? "–"}</td>
              <td className={row.status >= 400 ? "bad" : ""}>{row.status}</td>
              <td>{row.error_code ?? ""}</td>
              <td>{formatMs(row.latency_ms)}</td>
              <td>{formatMs(row.ttft_ms)}</td>
              <td>
                {formatNumber(row.prompt_tokens)} / {formatNumber(row.completion_tokens)}
              </td>
              <td>{formatUsd(row.cost_usd)}</td>
              <td>
                {row.key_id ?? "–"}
                {row.team === null ? "" : ` / ${row.team}`}
              </td>
              <td>
                <a
                  href={`/ui/requests/${encodeURIComponent(row.id)}`}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(`/requests/${encodeURIComponent(row.id)}`);
                  }}
                >
                  {row.client_request_id ?? row.id.slice(0, 8)}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data !== undefined && data.data.length === 0 ? <p className="muted">No requests match.</p> : null}
      <div className="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={data?.next_cursor === null || data?.next_cursor === undefined} onClick={() => data?.next_cursor != null && setCursors([...cursors, data.next_cursor])}>
          Older
        </button>
      </div>
    </section>
  );
}

function toLocalInput(epochMs: string | undefined): string {
  if (epochMs === undefined || !/^\d+$/.test(epochMs)) return "";
  const date = new Date(Number(epochMs));
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
