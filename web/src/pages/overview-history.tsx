import { useMemo } from "react";
import { query } from "../api.js";
import type { WindowStats } from "../api-types.js";
import { formatMs, formatNumber, formatPercent, formatUsd } from "../format.js";
import { navigate, useLocation } from "../router.js";
import { useFetch } from "../use-fetch.js";
import { StatCard } from "./stat-card.js";

const ranges = [
  { label: "Last hour", seconds: 3600 },
  { label: "Last 6 hours", seconds: 6 * 3600 },
  { label: "Last 24 hours", seconds: 24 * 3600 },
  { label: "Last 7 days", seconds: 7 * 24 * 3600 },
  { label: "Last 30 days", seconds: 30 * 24 * 3600 },
] as const;

/** GET /admin/stats over the picked range (`?range=`, seconds, so a view can be linked): totals and a row per model. */
export function OverviewHistory() {
  const picked = Number(useLocation().search.get("range"));
  const range = ranges.some((item) => item.seconds === picked) ? picked : 3600;
  // The window is fixed when the range is picked, so the figures do not refetch on every render.
  const statsPath = useMemo(() => `/admin/stats${query({ window: range })}`, [range]);
  const stats = useFetch<WindowStats>(statsPath);
  return (
    <>
      <h2>History</h2>
      <label htmlFor="range">Time range </label>
      <select id="range" value={range} onChange={(event) => navigate(`/${query({ range: event.target.value })}`)}>
        {ranges.map((item) => (
          <option key={item.seconds} value={item.seconds}>
            {item.label}
          </option>
        ))}
      </select>
      {stats.error === undefined ? null : <p className="error">{stats.error}</p>}
      {stats.data === undefined ? null : (
        <>
          <div className="cards">
            <StatCard label="Requests" value={formatNumber(stats.data.total.requests)} testId="stats-requests" />
            <StatCard label="Average RPS" value={formatNumber(stats.data.total.rps, 3)} />
            <StatCard label="Error rate" value={formatPercent(stats.data.total.error_rate)} />
            <StatCard label="Latency p50 / p95 / p99" value={`${formatMs(stats.data.total.latency_ms.p50)} / ${formatMs(stats.data.total.latency_ms.p95)} / ${formatMs(stats.data.total.latency_ms.p99)}`} />
            <StatCard label="TTFT p50 / p95" value={`${formatMs(stats.data.total.ttft_ms.p50)} / ${formatMs(stats.data.total.ttft_ms.p95)}`} />
            <StatCard label="Tokens prompt / completion / cached" value={`${formatNumber(stats.data.total.tokens.prompt)} / ${formatNumber(stats.data.total.tokens.completion)} / ${formatNumber(stats.data.total.tokens.cached)}`} />
            <StatCard label="Cost" value={formatUsd(stats.data.total.cost_usd)} />
          </div>
          <table>
            <caption>Per model</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Requests</th>
                <th scope="col">Error rate</th>
                <th scope="col">p50</th>
                <th scope="col">p99</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {stats.data.models.map((model) => (
                <tr key={model.model ?? "(none)"}>
                  <td>{model.model ?? "(none)"}</td>
                  <td>{formatNumber(model.requests)}</td>
                  <td>{formatPercent(model.error_rate)}</td>
                  <td>{formatMs(model.latency_ms.p50)}</td>
                  <td>{formatMs(model.latency_ms.p99)}</td>
                  <td>{formatUsd(model.cost_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
