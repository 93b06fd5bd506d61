import { useEffect, useState } from "react";

/** The dashboard's routes live under /ui; the gateway answers index.html for every one of them. */
export const basePath = "/ui";

const listeners = new Set<() => void>();

/** Goes to a dashboard path (e.g. `/requests?model=x`) without reloading. */
export function navigate(to: string): void {
  window.history.pushState(null, "", basePath + to);
  for (const listener of listeners) listener();
}

/** The current dashboard path and query, re-rendering on navigation and the back button. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const read = (): { path: string; search: URLSearchParams } => {
    const path = window.location.pathname.startsWith(basePath) ? window.location.pathname.slice(basePath.length) : window.location.pathname;
    return { path: path === "" ? "/" : path, search: new URLSearchParams(window.location.search) };
  };
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = (): void => setLocation(read());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return location;
}
