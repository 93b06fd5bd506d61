import { useState, type FormEvent } from "react";
import { api, ApiError } from "../api.js";
import type { KeyView, ListOf, SpendView } from "../api-types.js";
import { formatUsd } from "../format.js";
import { useFetch } from "../use-fetch.js";

/** Virtual keys (GET/POST /admin/keys, DELETE /admin/keys/:id) and their spend (GET /admin/spend). */
export function KeysPage() {
  const keys = useFetch<ListOf<KeyView>>("/admin/keys");
  const spend = useFetch<SpendView>("/admin/spend");
  const [created, setCreated] = useState<{ name: string; key: string }>();
  const [confirming, setConfirming] = useState<string>();
  const [error, setError] = useState<string>();
  const spendByKey = new Map((spend.data?.keys ?? []).map((item) => [item.id, item]));

  const reload = (): void => {
    keys.reload();
    spend.reload();
  };

  const create = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const element = event.currentTarget;
    const form = new FormData(element);
    const text = (name: string): string => String(form.get(name) ?? "").trim();
    const body: Record<string, unknown> = { name: text("name") };
    if (text("team") !== "") body["team"] = text("team");
    if (text("rpm") !== "") body["rpm"] = Number(text("rpm"));
    if (text("daily_usd") !== "") body["budget"] = { daily_usd: Number(text("daily_usd")) };
    if (form.get("admin") === "on") body["admin"] = true;
    try {
      const result = await api<KeyView & { key: string }>("/admin/keys", { method: "POST", body });
      setCreated({ name: result.name, key: result.key });
      setError(undefined);
      element.reset();
      reload();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  };

  const revoke = async (id: string): Promise<void> => {
    try {
      await api(`/admin/keys/${encodeURIComponent(id)}`, { method: "DELETE" });
      setConfirming(undefined);
      reload();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  };

  return (
    <section>
      <h1>Keys &amp; spend</h1>
      <form className="filters" aria-label="Create a key" onSubmit={(event) => void create(event)}>
        <label>
          Name <input name="name" required maxLength={200} />
        </label>
        <label>
          Team <input name="team" />
        </label>
        <label>
          RPM limit <input name="rpm" type="number" min={1} />
        </label>
        <label>
          Daily budget (USD) <input name="daily_usd" type="number" min={0} step="0.01" />
        </label>
        <label>
          <input name="admin" type="checkbox" /> Admin
        </label>
        <button type="submit">Create key</button>
      </form>
      {created === undefined ? null : (
        <div className="notice" role="status">
          New key <strong>{created.name}</strong>: <code data-testid="new-key-secret">{created.key}</code> — copy it now, it is not shown again.{" "}
          <button type="button" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      {error === undefined ? null : (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table>
        <caption>Keys (spend in the current UTC day and month)</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Id</th>
            <th scope="col">Team</th>
            <th scope="col">Limits</th>
            <th scope="col">Spend today / month</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.data.map((key) => {
            const spent = spendByKey.get(key.id);
            return (
              <tr key={key.id} data-testid={`key-${key.name}`}>
                <td>{key.name}</td>
                <td>
                  <code>{key.id}</code> <span className="muted">{key.prefix}…</span>
                </td>
                <td>{key.team ?? "–"}</td>
                <td>
                  {[key.admin === true ? "admin" : "", key.rpm === undefined ? "" : `${key.rpm} rpm`, key.tpm === undefined ? "" : `${key.tpm} tpm`, key.budget?.daily_usd === undefined ? "" : `${formatUsd(key.budget.daily_usd)}/day`, key.budget?.monthly_usd === undefined ? "" : `${formatUsd(key.budget.monthly_usd)}/month`].filter((part) => part !== "").join(", ") || "–"}
                </td>
                <td>{spent === undefined ? "–" : `${formatUsd(spent.day_usd)} / ${formatUsd(spent.month_usd)}`}</td>
                <td data-testid="key-status">{key.revoked_at === undefined ? "active" : "revoked"}</td>
                <td>
                  {key.revoked_at !== undefined ? null : confirming === key.id ? (
                    <>
                      <button type="button" className="danger" onClick={() => void revoke(key.id)}>
                        Confirm revoke
                      </button>{" "}
                      <button type="button" onClick={() => setConfirming(undefined)}>
                        Cancel
                      </button>
                    </>
                  ) : (
                    <button type="button" onClick={() => setConfirming(key.id)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <table>
        <caption>Teams</caption>
        <thead>
          <tr>
            <th scope="col">Team</th>
            <th scope="col">Spend today</th>
            <th scope="col">Spend this month</th>
          </tr>
        </thead>
        <tbody>
          {spend.data?.teams.map((team) => (
            <tr key={team.team}>
              <td>{team.team}</td>
              <td>{formatUsd(team.day_usd)}</td>
              <td>{formatUsd(team.month_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
