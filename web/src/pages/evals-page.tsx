import { useState } from "react";
import { query } from "../api.js";
import type { EvalBaseline, EvalItem, EvalRun, EvalRunSummary, ListOf } from "../api-types.js";
import { formatMs, formatNumber, formatPercent, formatTime, formatUsd } from "../format.js";
import { navigate, useLocation } from "../router.js";
import { useFetch } from "../use-fetch.js";
import { LinkTo } from "./link-to.js";

/** Stored eval runs (GET /admin/evals/runs), baselines, one run's items, and two runs side by side (`?a=…&b=…`). */
export function EvalsPage() {
  const { search } = useLocation();
  const run = search.get("run");
  const a = search.get("a");
  const b = search.get("b");
  if (a !== null && b !== null) return <CompareRuns a={a} b={b} />;
  if (run !== null) return <RunDetail id={run} />;
  return <RunList />;
}

function RunList() {
  const [cursors, setCursors] = useState<string[]>([]);
  const [picked, setPicked] = useState<string[]>([]);
  const runs = useFetch<ListOf<EvalRunSummary>>(`/admin/evals/runs${query({ limit: 50, cursor: cursors.at(-1) })}`);
  const baselines = useFetch<ListOf<EvalBaseline>>("/admin/evals/baselines");
  const baselineOf = new Map<string, string[]>();
  for (const baseline of baselines.data?.data ?? []) baselineOf.set(baseline.run_id, [...(baselineOf.get(baseline.run_id) ?? []), baseline.name]);
  const toggle = (id: string): void => setPicked(picked.includes(id) ? picked.filter((item) => item !== id) : [...picked, id].slice(-2));
  const [first, second] = picked;
  return (
    <section>
      <h1>Evals</h1>
      {runs.error === undefined ? null : (
        <p className="error" role="alert">
          {runs.error}
        </p>
      )}
      <p>
        <button type="button" disabled={first === undefined || second === undefined} onClick={() => first !== undefined && second !== undefined && navigate(`/evals${query({ a: first, b: second })}`)}>
          Compare the two picked runs
        </button>
      </p>
      <table>
        <caption>Runs (newest first)</caption>
        <thead>
          <tr>
            <th scope="col">Compare</th>
            <th scope="col">Suite</th>
            <th scope="col">Target</th>
            <th scope="col">Pass rate</th>
            <th scope="col">Answers</th>
            <th scope="col">Cost</th>
            <th scope="col">Started</th>
            <th scope="col">Baseline</th>
            <th scope="col">Run</th>
          </tr>
        </thead>
        <tbody>
          {runs.data?.data.map((run) => (
            <tr key={run.id} data-testid="eval-run">
              <td>
                <input type="checkbox" aria-label={`Pick run ${run.id} to compare`} checked={picked.includes(run.id)} onChange={() => toggle(run.id)} />
              </td>
              <td>{run.suite}</td>
              <td>{run.target}</td>
              <td data-testid="pass-rate">{formatPercent(run.pass_rate)}</td>
              <td>
                {formatNumber(run.passed)} / {formatNumber(run.answers)}
              </td>
              <td>{formatUsd(run.cost_usd)}</td>
              <td>
                {formatTime(run.started_at)}
                {run.finished_at === null ? <span className="muted"> (unfinished)</span> : null}
              </td>
              <td>{baselineOf.get(run.id)?.join(", ") ?? ""}</td>
              <td>
                <LinkTo to={`/evals${query({ run: run.id })}`}>{run.id.slice(0, 8)}</LinkTo>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data !== undefined && runs.data.data.length === 0 ? <p className="muted">No eval runs are stored (run `gantry eval` against this database).</p> : null}
      <div className="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={runs.data?.next_cursor == null} onClick={() => runs.data?.next_cursor != null && setCursors([...cursors, runs.data.next_cursor])}>
          Older
        </button>
      </div>
      <table>
        <caption>Baselines</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Run</th>
            <th scope="col">Set by</th>
            <th scope="col">Set at</th>
          </tr>
        </thead>
        <tbody>
          {baselines.data?.data.map((baseline) => (
            <tr key={baseline.name}>
              <td>{baseline.name}</td>
              <td>
                <LinkTo to={`/evals${query({ run: baseline.run_id })}`}>{baseline.run_id.slice(0, 8)}</LinkTo>
              </td>
              <td>{baseline.set_by}</td>
              <td>{formatTime(baseline.set_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function RunFacts({ run }: { run: EvalRun }) {
  return (
    <dl className="facts">
      <dt>Suite</dt>
      <dd>{run.suite}</dd>
      <dt>Target</dt>
      <dd>
        {run.target}
        {run.model === null ? "" : ` (${run.model}${run.model_version === null ? "" : ` version ${run.model_version}`})`}
      </dd>
      <dt>Pass rate</dt>
      <dd data-testid="run-pass-rate">
        {formatPercent(run.pass_rate)} ({run.passed} / {run.answers})
      </dd>
      <dt>Mean score</dt>
      <dd>{formatNumber(run.mean_score, 3)}</dd>
      <dt>Errors / flaky items</dt>
      <dd>
        {run.errors} / {run.flaky_items}
      </dd>
      <dt>Cost</dt>
      <dd>{formatUsd(run.cost_usd)}</dd>
      <dt>Mean latency</dt>
      <dd>{formatMs(run.mean_latency_ms)}</dd>
      <dt>Started</dt>
      <dd>{formatTime(run.started_at)}</dd>
    </dl>
  );
}

function RunDetail({ id }: { id: string }) {
  const run = useFetch<EvalRun>(`/admin/evals/runs/${encodeURIComponent(id)}`);
  return (
    <section>
      <h1>Eval run {id.slice(0, 8)}</h1>
      <p>
        <LinkTo to="/evals">All runs</LinkTo>
      </p>
      {run.error === undefined ? null : (
        <p className="error" role="alert">
          {run.error}
        </p>
      )}
      {run.data === undefined ? null : (
        <>
          <RunFacts run={run.data} />
          <table>
            <caption>Items</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Repeat</th>
                <th scope="col">Pass</th>
                <th scope="col">Score</th>
                <th scope="col">Output</th>
                <th scope="col">Latency</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {run.data.items.map((item) => (
                <tr key={`${item.item_key}/${item.repeat}`} data-testid="eval-item">
                  <td>
                    <code>{item.item_key}</code>
                  </td>
                  <td>{item.repeat}</td>
                  <td className={item.pass ? "" : "bad"}>{item.pass ? "pass" : "fail"}</td>
                  <td>{formatNumber(item.score, 3)}</td>
                  <td>{item.error === null ? <OutputText text={item.output} /> : <span className="bad">{item.error}</span>}</td>
                  <td>{formatMs(item.latency_ms)}</td>
                  <td>{formatUsd(item.cost_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function OutputText({ text }: { text: string }) {
  return text.length <= 300 ? <>{text}</> : <span title={text}>{text.slice(0, 300)}…</span>;
}

/** One item's results in a run: its repeats' passes and mean score. */
function byItem(items: readonly EvalItem[]): Map<string, { passed: number; total: number; score: number; output: string }> {
  const result = new Map<string, { passed: number; total: number; score: number; output: string }>();
  for (const item of items) {
    const entry = result.get(item.item_key) ?? { passed: 0, total: 0, score: 0, output: item.output };
    entry.passed += item.pass ? 1 : 0;
    entry.total += 1;
    entry.score += item.score;
    result.set(item.item_key, entry);
  }
  return result;
}

function CompareRuns({ a, b }: { a: string; b: string }) {
  const left = useFetch<EvalRun>(`/admin/evals/runs/${encodeURIComponent(a)}`);
  const right = useFetch<EvalRun>(`/admin/evals/runs/${encodeURIComponent(b)}`);
  const error = left.error ?? right.error;
  // Items pair up only once both runs are in: with one side still loading every item would read as changed.
  const bothLoaded = left.data !== undefined && right.data !== undefined;
  const leftItems = byItem(bothLoaded ? (left.data?.items ?? []) : []);
  const rightItems = byItem(bothLoaded ? (right.data?.items ?? []) : []);
  const keys = [...new Set([...leftItems.keys(), ...rightItems.keys()])].sort();
  const passText = (entry: { passed: number; total: number } | undefined): string => (entry === undefined ? "–" : entry.total === 1 ? (entry.passed === 1 ? "pass" : "fail") : `${entry.passed}/${entry.total}`);
  return (
    <section>
      <h1>Compare eval runs</h1>
      <p>
        <LinkTo to="/evals">All runs</LinkTo>
      </p>
      {error === undefined ? null : (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {left.data !== undefined && right.data !== undefined && left.data.suite_hash !== right.data.suite_hash ? (
        <p className="notice">These runs ran different versions of the suite: items may not pair up.</p>
      ) : null}
      <div className="charts">
        {[left.data, right.data].map((run, index) => (
          <figure key={index}>
            <figcaption>{index === 0 ? "A" : "B"}</figcaption>
            {run === undefined ? null : <RunFacts run={run} />}
          </figure>
        ))}
      </div>
      <table>
        <caption>Per item (only changed items are marked)</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">A</th>
            <th scope="col">B</th>
            <th scope="col">Score A → B</th>
            <th scope="col">Output A</th>
            <th scope="col">Output B</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            const one = leftItems.get(key);
            const two = rightItems.get(key);
            const changed = passText(one) !== passText(two);
            return (
              <tr key={key} data-testid="compare-item" className={changed ? "changed" : ""}>
                <td>
                  <code>{key}</code> {changed ? <span className="badge bad">changed</span> : null}
                </td>
                <td>{passText(one)}</td>
                <td>{passText(two)}</td>
                <td>
                  {one === undefined ? "–" : formatNumber(one.score / one.total, 3)} → {two === undefined ? "–" : formatNumber(two.score / two.total, 3)}
                </td>
                <td>{one === undefined ? "–" : <OutputText text={one.output} />}</td>
                <td>{two === undefined ? "–" : <OutputText text={two.output} />}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
