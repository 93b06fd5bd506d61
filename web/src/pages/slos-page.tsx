import { useState } from "react";
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { AlertsView, ListOf, SloStatus } from "../api-types.js";
import { formatNumber, formatPercent, formatTime } from "../format.js";
import { navigate } from "../router.js";
import { alertRequestsPath, requestsPath, windowMs } from "../request-link.js";
import { useFetch } from "../use-fetch.js";
import { LinkTo } from "./link-to.js";

/** SLOs (GET /admin/slo) with their error budget and burn rates, and the alerts (GET /admin/alerts): state and history. */
export function SlosPage() {
  const slos = useFetch<ListOf<SloStatus>>("/admin/slo");
  const [cursor, setCursor] = useState<string>();
  const alerts = useFetch<AlertsView>(`/admin/alerts?limit=50${cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`}`);
  return (
    <section>
      <h1>SLOs &amp; alerts</h1>
      {slos.error === undefined ? null : (
        <p className="error" role="alert">
          {slos.error}
        </p>
      )}
      {slos.data !== undefined && slos.data.data.length === 0 ? <p className="muted">No SLOs are configured (`slos:` in the config).</p> : null}
      {slos.data?.data.map((slo) => <SloPanel key={slo.name} slo={slo} />)}

      <h2>Alerts</h2>
      {alerts.error === undefined ? null : (
        <p className="error" role="alert">
          {alerts.error}
        </p>
      )}
      <table>
        <caption>Current state (firing first)</caption>
        <thead>
          <tr>
            <th scope="col">SLO</th>
            <th scope="col">Severity</th>
            <th scope="col">Windows</th>
            <th scope="col">Status</th>
            <th scope="col">Since</th>
            <th scope="col">Burn long / short</th>
            <th scope="col">Requests</th>
          </tr>
        </thead>
        <tbody>
          {[...(alerts.data?.states ?? [])]
            .sort((a, b) => Number(b.status === "firing") - Number(a.status === "firing"))
            .map((state) => (
              <tr key={state.fingerprint} data-testid="alert-state">
                <td>{state.slo}</td>
                <td>{state.severity}</td>
                <td>{state.window}</td>
                <td className={state.status === "firing" ? "bad" : ""}>{state.status}</td>
                <td>{formatTime(state.since)}</td>
                <td>
                  {formatNumber(state.alert.burnRates.long, 1)}× / {formatNumber(state.alert.burnRates.short, 1)}×
                </td>
                <td>
                  <LinkTo to={alertRequestsPath(state.alert.explorerUrl)} label={`Requests of alert ${state.slo} ${state.window}`}>
                    requests
                  </LinkTo>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      {alerts.data !== undefined && alerts.data.states.length === 0 ? <p className="muted">No alert has fired.</p> : null}
      <table>
        <caption>History (notifications sent, newest first)</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Status</th>
            <th scope="col">Summary</th>
            <th scope="col">Requests</th>
          </tr>
        </thead>
        <tbody>
          {alerts.data?.history.data.map((entry) => (
            <tr key={entry.id} data-testid="alert-history">
              <td>{formatTime(entry.time)}</td>
              <td className={entry.status === "firing" ? "bad" : ""}>{entry.status}</td>
              <td>{entry.alert.summary}</td>
              <td>
                <LinkTo to={alertRequestsPath(entry.alert.explorerUrl)}>requests</LinkTo>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button type="button" disabled={cursor === undefined} onClick={() => setCursor(undefined)}>
          Newest
        </button>
        <button type="button" disabled={alerts.data?.history.next_cursor == null} onClick={() => setCursor(alerts.data?.history.next_cursor ?? undefined)}>
          Older
        </button>
      </div>
    </section>
  );
}

/** One SLO: budget, SLI and a burn-rate chart whose bars open the requests of their window. */
function SloPanel({ slo }: { slo: SloStatus }) {
  const chart = Object.entries(slo.burn_rates).map(([window, rate]) => ({ window, rate: rate ?? 0, events: slo.window_events[window]?.total ?? 0 }));
  const openWindow = (window: string): void => {
    const span = windowMs(window);
    if (span === undefined) return;
    const now = Date.now();
    navigate(requestsPath(slo.selector, now - span, now));
  };
  const scope = Object.entries(slo.selector)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  return (
    <article className="panel" data-testid={`slo-${slo.name}`}>
      <h2>{slo.name}</h2>
      <p className="muted">
        {slo.sli_kind}
        {slo.threshold_ms === null ? "" : ` ≤ ${slo.threshold_ms} ms`} · objective {slo.objective}% over {slo.period_days} days · {scope === "" ? "all requests" : scope}
      </p>
      <div className="cards">
        <div className="card">
          <div className="card-label">Error budget remaining</div>
          <div className={`card-value${slo.error_budget.remaining < 0 ? " bad" : ""}`} data-testid="budget-remaining">
            {formatPercent(slo.error_budget.remaining)}
          </div>
        </div>
        <div className="card">
          <div className="card-label">SLI over the period</div>
          <div className="card-value">{slo.sli === null ? "–" : `${formatNumber(slo.sli, 3)}%`}</div>
        </div>
        <div className="card">
          <div className="card-label">Bad events / allowed</div>
          <div className="card-value">
            {formatNumber(slo.error_budget.consumed)} / {formatNumber(slo.error_budget.allowed, 1)}
          </div>
        </div>
        <div className="card">
          <div className="card-label">Events over the period</div>
          <div className="card-value">{formatNumber(slo.events.total)}</div>
        </div>
      </div>
      <figure>
        <figcaption>Burn rate per window (1 = spending exactly the budget; click a bar for its requests)</figcaption>
        <ResponsiveContainer width="100%" height={200}>
          <BarChart data={chart} onClick={(state) => typeof state.activeLabel === "string" && openWindow(state.activeLabel)}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis stroke="var(--muted)" dataKey="window" />
            <YAxis stroke="var(--muted)" />
            <Tooltip formatter={(value) => `${Number(value).toFixed(2)}×`} />
            <ReferenceLine y={1} stroke="var(--bad)" strokeDasharray="4 4" />
            <Bar dataKey="rate" name="burn rate" fill="var(--accent)" cursor="pointer" />
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <table>
        <caption>Burn rates</caption>
        <thead>
          <tr>
            <th scope="col">Window</th>
            {chart.map((point) => (
              <th scope="col" key={point.window}>
                {point.window}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Burn rate</th>
            {chart.map((point) => (
              <td key={point.window}>{slo.burn_rates[point.window] === null ? "–" : `${formatNumber(slo.burn_rates[point.window], 2)}×`}</td>
            ))}
          </tr>
          <tr>
            <th scope="row">Events</th>
            {chart.map((point) => {
              const span = windowMs(point.window) ?? 0;
              return (
                <td key={point.window}>
                  <LinkTo to={requestsPath(slo.selector, Date.now() - span, Date.now())} label={`${formatNumber(point.events)} requests of ${slo.name} in the last ${point.window}`}>
                    {formatNumber(point.events)}
                  </LinkTo>
                </td>
              );
            })}
          </tr>
        </tbody>
      </table>
    </article>
  );
}
