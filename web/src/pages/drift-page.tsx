import type { FormEvent } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { query } from "../api.js";
import type { DriftFeature, DriftReport, DriftView } from "../api-types.js";
import { formatNumber, formatTime } from "../format.js";
import { navigate, useLocation } from "../router.js";
import { requestsPath } from "../request-link.js";
import { useFetch } from "../use-fetch.js";
import { LinkTo } from "./link-to.js";

/** Drift per model version and feature (GET /admin/drift), with reference against current histograms. */
export function DriftPage() {
  const { search } = useLocation();
  const model = search.get("model") ?? undefined;
  const version = search.get("version") ?? undefined;
  const drift = useFetch<DriftView>(`/admin/drift${query({ model, version: model === undefined ? undefined : version })}`);

  const apply = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string): string => String(form.get(name) ?? "").trim();
    navigate(`/drift${query({ model: text("model"), version: text("version") })}`);
  };

  return (
    <section>
      <h1>Drift</h1>
      <form className="filters" aria-label="Drift filters" onSubmit={apply} key={search.toString()}>
        <label>
          Model <input name="model" defaultValue={model ?? ""} />
        </label>
        <label>
          Version <input name="version" defaultValue={version ?? ""} />
        </label>
        <button type="submit">Show</button>
      </form>
      {drift.error === undefined ? null : (
        <p className="error" role="alert">
          {drift.error}
        </p>
      )}
      {drift.data === undefined ? null : (
        <p className="muted">
          Current window {formatTime(drift.data.current.from)} – {formatTime(drift.data.current.to)}, reference {formatTime(drift.data.reference.from)} – {formatTime(drift.data.reference.to)}.
        </p>
      )}
      {drift.data !== undefined && drift.data.data.length === 0 ? <p className="muted">No samples in the current window.</p> : null}
      {drift.data?.data.map((report) => <DriftReportPanel key={`${report.model}#${report.version}`} report={report} />)}
    </section>
  );
}

function DriftReportPanel({ report }: { report: DriftReport }) {
  const label = `${report.model}${report.version === "" ? "" : ` version ${report.version}`}`;
  const requests = requestsPath({ model: report.model, version: report.version === "" ? undefined : report.version }, report.current.from, report.current.to);
  const verdict = report.not_enough_data ? "not enough data" : report.drift_detected ? `drift in ${report.drifted_features.join(", ")}` : "no drift";
  return (
    <article className="panel" data-testid={`drift-${report.model}#${report.version}`}>
      <h2>{label}</h2>
      <p>
        <span className={report.drift_detected ? "badge bad" : "badge ok"}>{verdict}</span> {report.dataset_drift ? <span className="badge bad">dataset drift</span> : null} · {formatNumber(report.reference.samples)} reference / {formatNumber(report.current.samples)} current samples ·{" "}
        <LinkTo to={requests}>requests of the current window</LinkTo>
      </p>
      <table>
        <caption>Features of {label}</caption>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col">Test</th>
            <th scope="col">Statistic</th>
            <th scope="col">p-value / distance</th>
            <th scope="col">Threshold</th>
            <th scope="col">Drifted</th>
            <th scope="col">PSI</th>
            <th scope="col">Samples (ref / cur)</th>
          </tr>
        </thead>
        <tbody>
          {report.features.map((feature) => (
            <tr key={feature.feature}>
              <th scope="row">{feature.feature}</th>
              <td>{feature.status === "not_enough_data" ? <span className="muted">not enough data</span> : (feature.test ?? "–")}</td>
              <td>{formatNumber(feature.statistic, 4)}</td>
              <td>{feature.p_value !== null ? feature.p_value.toExponential(2) : formatNumber(feature.distance, 4)}</td>
              <td>{formatNumber(feature.threshold, 4)}</td>
              <td className={feature.drifted ? "bad" : ""}>{feature.status === "not_enough_data" ? "–" : feature.drifted ? "yes" : "no"}</td>
              <td>{formatNumber(feature.psi, 3)}</td>
              <td>
                {formatNumber(feature.reference_size)} / {formatNumber(feature.current_size)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="charts">
        {report.features.map((feature) => (feature.histogram === undefined ? null : <FeatureHistogram key={feature.feature} feature={feature} onOpen={() => navigate(requests)} />))}
      </div>
    </article>
  );
}

/** Reference against current as shares of each window's samples, so windows of different sizes compare; a click opens the current window's requests. */
function FeatureHistogram({ feature, onOpen }: { feature: DriftFeature; onOpen: () => void }) {
  const histogram = feature.histogram;
  if (histogram === undefined) return null;
  const total = (counts: number[]): number => counts.reduce((sum, count) => sum + count, 0) || 1;
  const referenceTotal = total(histogram.reference);
  const currentTotal = total(histogram.current);
  const data = histogram.bins.map((bin, index) => ({
    bin,
    reference: (histogram.reference[index] ?? 0) / referenceTotal,
    current: (histogram.current[index] ?? 0) / currentTotal,
  }));
  return (
    <figure>
      <figcaption>
        {feature.feature} (click for the current window's requests) {feature.drifted ? <span className="badge bad">drifted</span> : null}
      </figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <BarChart data={data} onClick={onOpen} style={{ cursor: "pointer" }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis stroke="var(--muted)" dataKey="bin" />
          <YAxis stroke="var(--muted)" tickFormatter={(value: number) => `${Math.round(value * 100)}%`} />
          <Tooltip formatter={(value) => `${(Number(value) * 100).toFixed(1)}%`} />
          <Legend />
          <Bar dataKey="reference" fill="var(--muted)" />
          <Bar dataKey="current" fill="var(--accent)" />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
