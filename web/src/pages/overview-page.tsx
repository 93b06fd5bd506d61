import { OverviewHistory } from "./overview-history.js";
import { OverviewLive } from "./overview-live.js";

/** Live figures from GET /admin/live (SSE) and historical ones from GET /admin/stats for the picked range. */
export function OverviewPage() {
  return (
    <section>
      <h1>Overview</h1>
      <OverviewLive />
      <OverviewHistory />
    </section>
  );
}
