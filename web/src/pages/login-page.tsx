import { useState, type FormEvent } from "react";
import { api, ApiError } from "../api.js";
import type { SessionInfo } from "../api-types.js";

/** Exchanges the admin key (or an admin virtual key) for a session cookie: POST /admin/session. */
export function LoginPage({ onLogin }: { onLogin: (session: SessionInfo) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await api<SessionInfo>("/admin/session", { method: "POST", ...(key === "" ? {} : { bearer: key }) }));
    } catch (failure) {
      setError(failure instanceof ApiError ? `${failure.message} (${failure.code})` : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <h1>Gantry dashboard</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label htmlFor="admin-key">Admin key or admin virtual key</label>
        <input id="admin-key" name="key" type="password" autoComplete="current-password" value={key} onChange={(event) => setKey(event.target.value.trim())} />
        <button type="submit" disabled={busy}>
          Log in
        </button>
        {error === undefined ? null : (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
