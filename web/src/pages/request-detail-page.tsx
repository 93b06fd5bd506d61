import type { RequestDetail } from "../api-types.js";
import { formatMs, formatNumber, formatTime, formatUsd } from "../format.js";
import { navigate } from "../router.js";
import { useFetch } from "../use-fetch.js";

/** One logged request (GET /admin/requests/:id): timing breakdown, usage, bodies (redacted, when stored) and feedback. */
export function RequestDetailPage({ id }: { id: string }) {
  const { data, error } = useFetch<RequestDetail>(`/admin/requests/${encodeURIComponent(id)}`);
  const overhead = data === undefined || data.upstream_ms === null ? null : Math.max(0, data.latency_ms - data.upstream_ms);
  return (
    <section>
      <button type="button" onClick={() => window.history.length > 1 ? window.history.back() : navigate("/requests")}>
        ← Back to requests
      </button>
      <h1>Request {id}</h1>
      {error === undefined ? null : <p className="error">{error}</p>}
      {data === undefined ? null : (
        <>
          <dl className="facts" data-testid="request-detail">
            <dt>Time</dt>
            <dd>{formatTime(data.time)}</dd>
            <dt>Trace / request id</dt>
            <dd>
              <code>{data.id}</code> <span className="muted">(spans carry it as gantry.request_id)</span>
            </dd>
            <dt>Client request id</dt>
            <dd>{data.client_request_id ?? "–"}</dd>
            <dt>Path</dt>
            <dd>{data.path}</dd>
            <dt>Model / deployment</dt>
            <dd>
              {data.model ?? "–"} / {data.deployment ?? "–"}
              {data.answered_by === null ? "" : ` (answered by ${data.answered_by})`}
            </dd>
            <dt>Status</dt>
            <dd>
              {data.status} {data.error_code ?? ""}
            </dd>
            <dt>Key / team</dt>
            <dd>
              {data.key_id ?? "–"} / {data.team ?? "–"}
            </dd>
            <dt>Attempts</dt>
            <dd>{data.attempts}</dd>
            <dt>Cache</dt>
            <dd>{data.cache ?? "–"}</dd>
            <dt>Finish reason</dt>
            <dd>{data.finish_reason ?? "–"}</dd>
            <dt>Tokens (prompt / completion / cached)</dt>
            <dd>
              {formatNumber(data.prompt_tokens)} / {formatNumber(data.completion_tokens)} / {formatNumber(data.cached_tokens)}
            </dd>
            <dt>Cost</dt>
            <dd>{formatUsd(data.cost_usd)}</dd>
          </dl>
          <h2>Timing</h2>
          <dl className="facts">
            <dt>Total</dt>
            <dd>{formatMs(data.latency_ms)}</dd>
            <dt>Time to first token</dt>
            <dd>{formatMs(data.ttft_ms)}</dd>
            <dt>Waiting on upstreams</dt>
            <dd>{formatMs(data.upstream_ms)}</dd>
            <dt>Gateway overhead</dt>
            <dd>{formatMs(overhead)}</dd>
          </dl>
          <h2>Bodies</h2>
          {data.request_body === null && data.response_body === null ? <p className="muted">Bodies are not stored (request_log.bodies is off).</p> : null}
          {data.request_body === null ? null : (
            <>
              <h3>Request (redacted)</h3>
              <pre>{data.request_body}</pre>
            </>
          )}
          {data.response_body === null ? null : (
            <>
              <h3>Response</h3>
              <pre>{data.response_body}</pre>
            </>
          )}
          <h2>Feedback</h2>
          {data.feedback.length === 0 ? (
            <p className="muted">No feedback.</p>
          ) : (
            <ul>
              {data.feedback.map((item) => (
                <li key={item.id}>
                  {formatTime(item.time)}: {item.thumbs ?? ""} {item.score === null ? "" : `score ${item.score}`} {item.label ?? ""} {item.comment ?? ""}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
