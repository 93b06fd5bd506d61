import type { CanaryRunView, ShadowView } from "../api-types.js";
import { formatNumber, formatPercent, formatTime } from "../format.js";
import { useFetch } from "../use-fetch.js";

/** A model's canary analysis (GET /admin/models/{name}/canary) and shadow comparisons (…/shadow); nothing when neither has run. */
export function ProgressivePanel({ model }: { model: string }) {
  const base = `/admin/models/${encodeURIComponent(model)}`;
  const canary = useFetch<CanaryRunView>(`${base}/canary`);
  const shadow = useFetch<ShadowView>(`${base}/shadow?limit=20`);
  const run = canary.data;
  const analysis = run?.last_analysis ?? null;
  return (
    <>
      {run === undefined ? null : (
        <>
          <h3>Canary analysis</h3>
          <p data-testid="canary-status">
            version {run.version}: <strong>{run.status}</strong> at {run.weight}% · {run.failures} failed, {run.inconclusives} inconclusive steps · started {formatTime(run.started_at)}, this step since {formatTime(run.step_started_at)}
          </p>
          {analysis === null ? null : (
            <table>
              <caption>
                Last analysis {formatTime(analysis.at)}: {analysis.verdict} ({formatNumber(analysis.canary_requests)} canary / {formatNumber(analysis.primary_requests)} prod requests){analysis.note === undefined ? "" : ` — ${analysis.note}`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Canary</th>
                  <th scope="col">Prod</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {analysis.checks.map((check) => (
                  <tr key={check.metric}>
                    <td>{check.metric}</td>
                    <td className={check.verdict === "fail" ? "bad" : ""}>{check.verdict}</td>
                    <td>{formatNumber(check.canary, 4)}</td>
                    <td>{formatNumber(check.primary, 4)}</td>
                    <td>{check.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {shadow.data === undefined || shadow.data.shadow_version === null ? null : (
        <table>
          <caption>
            Shadow comparisons of version {shadow.data.shadow_version}: agreement {formatPercent(shadow.data.agreement_rate)} over {formatNumber(shadow.data.comparisons)} ({formatNumber(shadow.data.failed)} failed calls); newest 20
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Scorer</th>
              <th scope="col">Agree</th>
              <th scope="col">Prod answer</th>
              <th scope="col">Shadow answer</th>
            </tr>
          </thead>
          <tbody>
            {shadow.data.data.map((comparison, index) => (
              <tr key={index}>
                <td>{formatTime(comparison.at)}</td>
                <td>
                  {comparison.scorer} {formatNumber(comparison.score, 3)}
                </td>
                <td className={comparison.agree === false ? "bad" : ""}>{comparison.agree === null ? "–" : comparison.agree ? "yes" : "no"}</td>
                <td>{comparison.primary_output.slice(0, 200)}</td>
                <td>{comparison.error ?? comparison.shadow_output?.slice(0, 200) ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
