import { useState, type FormEvent } from "react";
import { api, ApiError } from "../api.js";
import type { ListOf, RegistryHistory, RegistryModel, RegistryVersion } from "../api-types.js";
import { formatTime } from "../format.js";
import { navigate, useLocation } from "../router.js";
import { useFetch } from "../use-fetch.js";
import { ConfirmDialog, type PendingAction } from "./confirm-dialog.js";
import { ProgressivePanel } from "./progressive-panel.js";

/** The model registry (GET /admin/models/…): versions, aliases, the split and the history; promote, rollback, aliases and the canary share, each confirmed. */
export function RegistryPage() {
  const { search } = useLocation();
  const models = useFetch<ListOf<RegistryModel>>("/admin/models");
  const selected = search.get("model") ?? models.data?.data[0]?.model;
  return (
    <section>
      <h1>Registry</h1>
      {models.error === undefined ? null : (
        <p className="error" role="alert">
          {models.error}
        </p>
      )}
      <table>
        <caption>Models</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Versions</th>
            <th scope="col">Aliases</th>
            <th scope="col">Split</th>
          </tr>
        </thead>
        <tbody>
          {models.data?.data.map((model) => (
            <tr key={model.model} aria-selected={model.model === selected}>
              <td>
                <a
                  href={`/ui/registry?model=${encodeURIComponent(model.model)}`}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(`/registry?model=${encodeURIComponent(model.model)}`);
                  }}
                >
                  {model.model}
                </a>
              </td>
              <td>{model.versions}</td>
              <td>{aliasText(model.aliases)}</td>
              <td>{splitText(model.split)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected === undefined ? null : <ModelPanel key={selected} model={selected} summary={models.data?.data.find((item) => item.model === selected)} onChange={models.reload} />}
    </section>
  );
}

function ModelPanel({ model, summary, onChange }: { model: string; summary: RegistryModel | undefined; onChange: () => void }) {
  const base = `/admin/models/${encodeURIComponent(model)}`;
  const versions = useFetch<ListOf<RegistryVersion>>(`${base}/versions`);
  const history = useFetch<RegistryHistory>(`${base}/history`);
  const [pending, setPending] = useState<PendingAction>();
  const [error, setError] = useState<string>();

  const write = (text: string, path: string, method: string, body?: unknown): void =>
    setPending({
      text,
      run: async () => {
        try {
          await api(`${base}${path}`, { method, ...(body === undefined ? {} : { body }) });
          setError(undefined);
        } catch (failure) {
          setError(failure instanceof ApiError ? `${failure.code}: ${failure.message}` : String(failure));
        }
        versions.reload();
        history.reload();
        onChange();
      },
    });

  const setAlias = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const alias = String(form.get("alias") ?? "").trim();
    const version = Number(form.get("version"));
    if (alias === "" || !Number.isInteger(version)) return;
    write(`Point ${model}'s alias "${alias}" at version ${version}?`, `/aliases/${encodeURIComponent(alias)}`, "PUT", { version });
  };

  const setCanary = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const percent = Number(new FormData(event.currentTarget).get("canary_percent"));
    if (!Number.isFinite(percent)) return;
    write(
      percent === 0 ? `Clear ${model}'s split (all traffic to prod)?` : `Send ${percent}% of ${model}'s traffic to its canary (version ${summary?.aliases["canary"] ?? "?"})?`,
      "/split",
      "PUT",
      percent === 0 ? { weights: null } : { canary_percent: percent },
    );
  };

  return (
    <article className="panel" data-testid="registry-model">
      <h2>{model}</h2>
      <p>
        prod: <strong data-testid="prod-version">{summary?.aliases["prod"] ?? "–"}</strong> · split: <span data-testid="split">{splitText(summary?.split ?? null)}</span>
      </p>
      {pending === undefined ? null : <ConfirmDialog action={pending} onClose={() => setPending(undefined)} />}
      {error === undefined ? null : (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="filters">
        <button type="button" onClick={() => write(`Roll ${model}'s prod back to the version it held before?`, "/rollback", "POST")}>
          Roll back prod
        </button>
        <form className="filters" aria-label="Set an alias" onSubmit={setAlias}>
          <label>
            Alias <input name="alias" required pattern="[a-z][a-z0-9_-]*" />
          </label>
          <label>
            Alias version <input name="version" type="number" min={1} required />
          </label>
          <button type="submit">Set alias</button>
        </form>
        <form className="filters" aria-label="Canary share" onSubmit={setCanary}>
          <label>
            Canary percent <input name="canary_percent" type="number" min={0} max={100} step="0.1" required defaultValue={splitShares(summary?.split ?? null)["canary"] ?? 0} />
          </label>
          <button type="submit">Set canary</button>
        </form>
      </div>
      <table>
        <caption>Versions</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Aliases</th>
            <th scope="col">Source</th>
            <th scope="col">Created</th>
            <th scope="col">By</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {versions.data?.data.map((version) => (
            <tr key={version.version} data-testid={`version-${version.version}`}>
              <td>{version.version}</td>
              <td>{version.aliases.join(", ") || "–"}</td>
              <td>{version.source}</td>
              <td>{formatTime(Date.parse(version.created_at))}</td>
              <td>{version.created_by}</td>
              <td>
                {version.aliases.includes("prod") ? null : (
                  <button type="button" onClick={() => write(`Promote ${model} version ${version.version} to prod? This clears the split.`, "/promote", "POST", { version: version.version })}>
                    Promote
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ProgressivePanel model={model} />
      <table>
        <caption>History (newest first)</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Change</th>
            <th scope="col">Target</th>
            <th scope="col">Before → after</th>
          </tr>
        </thead>
        <tbody>
          {history.data?.changes.map((change) => (
            <tr key={change.id} data-testid="history-row">
              <td>{formatTime(change.at)}</td>
              <td>{change.actor}</td>
              <td>{change.action}</td>
              <td>{change.target ?? "–"}</td>
              <td>
                {change.before_value ?? "–"} → {change.after_value ?? "–"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

const aliasText = (aliases: Record<string, number>): string =>
  Object.entries(aliases)
    .map(([alias, version]) => `${alias} → ${version}`)
    .join(", ") || "–";

/** Each target's share of a split in percent (weights are relative). */
function splitShares(split: Record<string, number> | null): Record<string, number> {
  if (split === null) return {};
  const total = Object.values(split).reduce((sum, weight) => sum + weight, 0) || 1;
  return Object.fromEntries(Object.entries(split).map(([target, weight]) => [target, Math.round((weight / total) * 1000) / 10]));
}

const splitText = (split: Record<string, number> | null): string =>
  split === null
    ? "none"
    : Object.entries(splitShares(split))
        .map(([target, share]) => `${target} ${share}%`)
        .join(", ");
