import type { ListOf, ModelDeployments } from "../api-types.js";
import { formatMs, formatNumber } from "../format.js";
import { useFetch } from "../use-fetch.js";

/** Deployments as routing sees them (GET /admin/deployments): state, health, breaker, in-flight and load. */
export function ModelsPage() {
  const { data, error, reload } = useFetch<ListOf<ModelDeployments>>("/admin/deployments");
  return (
    <section>
      <h1>Models</h1>
      <button type="button" onClick={reload}>
        Refresh
      </button>
      {error === undefined ? null : <p className="error">{error}</p>}
      {data?.data.map((model) => (
        <table key={model.model}>
          <caption>
            {model.model}
            {model.fallbacks.length === 0 ? "" : ` → falls back to ${model.fallbacks.join(", ")}`}
            {model.fast_path ? " · rules fast path" : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Provider</th>
              <th scope="col">State</th>
              <th scope="col">Health</th>
              <th scope="col">Breaker</th>
              <th scope="col">In flight</th>
              <th scope="col">Upstream load</th>
              <th scope="col">Latency (EWMA)</th>
            </tr>
          </thead>
          <tbody>
            {model.deployments.map((deployment) => (
              <tr key={deployment.id}>
                <td>
                  {deployment.id} <span className="muted">({deployment.upstream_model})</span>
                </td>
                <td>{deployment.provider}</td>
                <td>
                  <span className={deployment.available ? "badge ok" : "badge bad"}>{deployment.state === "failed" ? `failed: ${deployment.reason ?? ""}` : deployment.available ? "available" : deployment.state}</span>
                </td>
                <td>{deployment.healthy === null ? "not probed" : deployment.healthy ? "healthy" : "unhealthy"}</td>
                <td data-testid={`breaker-${deployment.id}`}>{deployment.breaker}{deployment.ejected ? " (ejected)" : ""}</td>
                <td>
                  <meter min={0} max={Math.max(8, deployment.in_flight)} value={deployment.in_flight} aria-label={`in flight on ${deployment.id}`} /> {formatNumber(deployment.in_flight)}
                </td>
                <td>{formatNumber(deployment.external_load)}</td>
                <td>{formatMs(deployment.latency_ewma_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}
