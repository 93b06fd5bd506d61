import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis, BarChart, Bar } from "recharts";
import { formatMs, formatNumber, formatPercent, formatUsd } from "../format.js";
import { useLive } from "../use-live.js";
import { StatCard } from "./stat-card.js";

/** One second of the live charts. */
type LivePoint = { time: string; rps: number; p50: number | null; p95: number | null; p99: number | null };

/**
 * The last minute from GET /admin/live (SSE): figures and charts. Its own component, so a snapshot a second
 * re-renders only this part of the Overview.
 */
export function OverviewLive() {
  const { latest, history, connected } = useLive();
  const chart: LivePoint[] = history.map((snapshot) => ({
    time: new Date(snapshot.at).toLocaleTimeString("en-GB", { hour12: false }),
    rps: snapshot.rps,
    p50: snapshot.latency_ms.p50,
    p95: snapshot.latency_ms.p95,
    p99: snapshot.latency_ms.p99,
  }));
  const errors = Object.entries(latest?.errors_by_type ?? {}).map(([type, count]) => ({ type, count }));

  return (
    <>
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
        <LiveLines caption="Requests per second" data={chart} lines={[{ key: "rps", color: "var(--series-1)" }]} />
        <LiveLines
          caption="Latency (ms, last minute)"
          data={chart}
          legend
          lines={[
            { key: "p50", color: "var(--series-2)" },
            { key: "p95", color: "var(--warn)" },
            { key: "p99", color: "var(--bad)" },
          ]}
        />
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
    </>
  );
}

/** One live line chart over the last minute's snapshots: the series named by `lines`, the time along the bottom. */
function LiveLines({ caption, data, lines, legend = false }: { caption: string; data: LivePoint[]; lines: { key: keyof LivePoint; color: string }[]; legend?: boolean }) {
  return (
    <figure>
      <figcaption>{caption}</figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis stroke="var(--muted)" dataKey="time" minTickGap={40} />
          <YAxis stroke="var(--muted)" />
          <Tooltip />
          {legend && <Legend />}
          {lines.map((line) => (
            <Line key={line.key} type="monotone" dataKey={line.key} stroke={line.color} dot={false} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
