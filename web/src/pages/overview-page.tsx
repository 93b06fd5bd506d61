import { useMemo } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis, BarChart, Bar } from "recharts";
import { query } from "../api.js";
import type { WindowStats } from "../api-types.js";
import { formatMs, formatNumber, formatPercent, formatUsd } from "../format.js";
import { navigate, useLocation } from "../router.js";
import { useFetch } from "../use-fetch.js";
import { useLive } from "../use-live.js";
import { StatCard } from "./stat-card.js";

const ranges = [
  { label: "Last hour", seconds: 3600 },
  { label: "Last 6 hours", seconds: 6 * 3600 },
  { label: "Last 24 hours", seconds: 24 * 3600 },
  { label: "Last 7 days", seconds: 7 * 24 * 3600 },
  { label: "Last 30 days", seconds: 30 * 24 * 3600 },
] as const;

/** Live figures from GET /admin/live (SSE) and historical ones from GET /admin/stats for the picked range (`?range=`, seconds, so a view can be linked). */
export function OverviewPage() {
  const { latest, history, connected } = useLive();
  const picked = Number(useLocation().search.get("range"));
  const range = ranges.some((item) => item.seconds === picked) ? picked : 3600;
  // The window is fixed when the range is picked, so the figures do not refetch on every render.
  const statsPath = useMemo(() => `/admin/stats${query({ window: range })}`, [range]);
  const stats = useFetch<WindowStats>(statsPath);
  const chart = history.map((snapshot) => ({
    time: new Date(snapshot.at).toLocaleTimeString("en-GB", { hour12: false }),
    rps: snapshot.rps,
    p50: snapshot.latency_ms.p50,
    p95: snapshot.latency_ms.p95,
    p99: snapshot.latency_ms.p99,
  }));
  const errors = Object.entries(latest?.errors_by_type ?? {}).map(([type, count]) => ({ type, count }));

  return (
    <section>
      <h1>Overview</h1>
      <h2>
        Live, last minute <span className={connected ? "badge ok" : "badge bad"}>{connected ? "live" : "reconnecting"}</span>
      </h2>
      <div className="cards">
        <StatCard label="Requests / s" value={formatNumber(latest?.rps, 2)} testId="live-rps" />
        <StatCard label="Requests (1 min)" value={formatNumber(latest?.requests)} testId="live-requests" />
        <StatCard label="In flight" value={formatNumber(latest?.in_flight)} testId="live-in-flight" />
        <StatCard label="Latency p50 / p95 / p99" value={`${formatMs(latest?.latency_ms.p50)} / ${formatMs(latest?.latency_ms.p95)} / ${formatMs(latest?.latency_ms.p99)}`} testId="live-latency" />
        <StatCard label="TTFT p50 / p95" value={`${formatMs(latest?.ttft_ms.p50)} / ${formatMs(latest?.ttft_ms.p95)}`} />
        <StatCard label="TPOT p50 / p95" value={`${formatMs(latest?.tpot_ms.p50)} / ${formatMs(latest?.tpot_ms.p95)}`} />
        <StatCard label="Errors (1 min)" value={formatNumber(latest?.errors)} testId="live-errors" />
        <StatCard label="Tokens in / out" value={`${formatNumber(latest?.tokens.input)} / ${formatNumber(latest?.tokens.output)}`} testId="live-tokens" />
        <StatCard label="Cost (1 min)" value={formatUsd(latest?.cost_usd)} />
        <StatCard label="Cache hit rate" value={formatPercent(latest?.cache_hit_rate)} />
        <StatCard label="Saved by cache" value={formatUsd(latest?.saved_usd)} />
      </div>
      <div className="charts">
        <figure>
          <figcaption>Requests per second</figcaption>
          <ResponsiveContainer width="100%" height={200}>
            <LineChart data={chart}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis stroke="var(--muted)" dataKey="time" minTickGap={40} />
              <YAxis stroke="var(--muted)" />
              <Tooltip />
              <Line type="monotone" dataKey="rps" stroke="var(--series-1)" dot={false} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </figure>
        <figure>
          <figcaption>Latency (ms, last minute)</figcaption>
          <ResponsiveContainer width="100%" height={200}>
            <LineChart data={chart}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis stroke="var(--muted)" dataKey="time" minTickGap={40} />
              <YAxis stroke="var(--muted)" />
              <Tooltip />
              <Legend />
              <Line type="monotone" dataKey="p50" stroke="var(--series-2)" dot={false} isAnimationActive={false} />
              <Line type="monotone" dataKey="p95" stroke="var(--warn)" dot={false} isAnimationActive={false} />
              <Line type="monotone" dataKey="p99" stroke="var(--bad)" dot={false} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </figure>
        <figure>
          <figcaption>Errors by type (last minute)</figcaption>
          {errors.length === 0 ? (
            <p className="muted">No errors.</p>
          ) : (
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={errors}>
                <XAxis stroke="var(--muted)" dataKey="type" />
                <YAxis stroke="var(--muted)" allowDecimals={false} />
                <Tooltip />
                <Bar dataKey="count" fill="var(--bad)" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          )}
        </figure>
      </div>

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
    </section>
  );
}
