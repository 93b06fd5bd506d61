import { useEffect, useState } from "react";
import type { LiveSnapshot } from "./api-types.js";

const historyLength = 120;

/** The live feed (GET /admin/live over SSE): the latest snapshot and the last two minutes of them, for charts. */
export function useLive(): { latest: LiveSnapshot | undefined; history: LiveSnapshot[]; connected: boolean } {
  const [history, setHistory] = useState<LiveSnapshot[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource("/admin/live");
    source.addEventListener("open", () => setConnected(true));
    source.addEventListener("error", () => setConnected(false));
    source.addEventListener("snapshot", (event) => {
      const snapshot = JSON.parse((event as MessageEvent<string>).data) as LiveSnapshot;
      setConnected(true);
      setHistory((previous) => [...previous.slice(-(historyLength - 1)), snapshot]);
    });
    return () => source.close();
  }, []);
  return { latest: history.at(-1), history, connected };
}
