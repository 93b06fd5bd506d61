import { useEffect, useState } from "react";
import { api, setCsrfToken, setUnauthorizedHandler } from "./api.js";
import type { SessionInfo } from "./api-types.js";
import { navigate, useLocation } from "./router.js";
import { LoginPage } from "./pages/login-page.js";
import { OverviewPage } from "./pages/overview-page.js";
import { ModelsPage } from "./pages/models-page.js";
import { RequestsPage } from "./pages/requests-page.js";
import { RequestDetailPage } from "./pages/request-detail-page.js";
import { KeysPage } from "./pages/keys-page.js";
import { SlosPage } from "./pages/slos-page.js";
import { DriftPage } from "./pages/drift-page.js";
import { RegistryPage } from "./pages/registry-page.js";
import { EvalsPage } from "./pages/evals-page.js";
import { useTheme } from "./theme.js";

const nav = [
  { path: "/", label: "Overview" },
  { path: "/models", label: "Models" },
  { path: "/requests", label: "Requests" },
  { path: "/keys", label: "Keys & spend" },
  { path: "/slos", label: "SLOs & alerts" },
  { path: "/drift", label: "Drift" },
  { path: "/registry", label: "Registry" },
  { path: "/evals", label: "Evals" },
] as const;

let sessionRequest: Promise<SessionInfo> | undefined;

/**
 * The page's first session, asked for once however often the shell mounts. A login URL from the startup log
 * (`/ui/?token=…`) trades its token for a session, and the token leaves the address bar at once. 200 without a
 * session means the admin API let this browser in without a credential (admin.open_on_loopback): take a session at
 * once so writes still carry a CSRF token.
 */
function firstSession(): Promise<SessionInfo> {
  if (sessionRequest !== undefined) return sessionRequest;
  const url = new URL(window.location.href);
  const loginToken = url.searchParams.get("token");
  if (loginToken !== null) {
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  sessionRequest = (loginToken === null ? api<SessionInfo>("/admin/session") : api<SessionInfo>("/admin/session", { method: "POST", bearer: loginToken }).catch(() => api<SessionInfo>("/admin/session"))).then((info) =>
    info.csrf_token === null ? api<SessionInfo>("/admin/session", { method: "POST" }) : info,
  );
  return sessionRequest;
}

/** The shell: asks the gateway whether this browser has a session, then shows the login or the pages. */
export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const { path } = useLocation();
  const { theme, toggle } = useTheme();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setSession(null);
    });
    firstSession()
      .then(
        (info) => {
          setCsrfToken(info.csrf_token);
          setSession(info);
        },
        () => setSession(null),
      );
  }, []);

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null)
    return (
      <LoginPage
        onLogin={(info) => {
          setCsrfToken(info.csrf_token);
          setSession(info);
        }}
      />
    );

  const logout = async (): Promise<void> => {
    await api("/admin/session", { method: "DELETE" }).catch(() => undefined);
    setCsrfToken(null);
    setSession(null);
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Gantry</span>
        <span className="who">{session.principal.kind === "admin_key" ? "admin key" : `key ${session.principal.name}`}</span>
        <button type="button" aria-pressed={theme === "dark"} onClick={toggle}>
          Dark theme
        </button>
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <nav aria-label="Main">
        <ul>
          {nav.map((item) => (
            <li key={item.path}>
              <a
                href={`/ui${item.path}`}
                aria-current={path === item.path || (item.path !== "/" && path.startsWith(item.path)) ? "page" : undefined}
                onClick={(event) => {
                  event.preventDefault();
                  navigate(item.path);
                }}
              >
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </div>
  );
}

function Page({ path }: { path: string }) {
  if (path === "/") return <OverviewPage />;
  if (path === "/models") return <ModelsPage />;
  if (path === "/requests") return <RequestsPage />;
  if (path.startsWith("/requests/")) return <RequestDetailPage id={decodeURIComponent(path.slice("/requests/".length))} />;
  if (path === "/keys") return <KeysPage />;
  if (path === "/slos") return <SlosPage />;
  if (path === "/drift") return <DriftPage />;
  if (path === "/registry") return <RegistryPage />;
  if (path === "/evals") return <EvalsPage />;
  return <NotFoundPage />;
}

function NotFoundPage() {
  return (
    <section>
      <h1>Not found</h1>
      <p className="muted">No such page.</p>
    </section>
  );
}
