import { textTable } from "../plan/text-table.js";
import { standardWindows, type SloStatus } from "./slo-status.js";

/** SLO statuses as a text table: objective, SLI, budget left, events and burn rates over the standard windows. */
export function sloStatusTable(statuses: readonly SloStatus[]): string {
  const percent = (value: number | null): string => (value === null ? "-" : `${value.toFixed(3)}%`);
  const rate = (value: number | null | undefined): string => (value === null || value === undefined ? "-" : value.toFixed(2));
  const columns = [
    { header: "SLO" },
    { header: "SLI" },
    { header: "OBJECTIVE", align: "right" as const },
    { header: "PERIOD", align: "right" as const },
    { header: "ACTUAL", align: "right" as const },
    { header: "BUDGET LEFT", align: "right" as const },
    { header: "GOOD/TOTAL", align: "right" as const },
    ...standardWindows.map((window) => ({ header: `BURN ${window.name}`, align: "right" as const })),
  ];
  const rows = statuses.map((status) => [
    status.name,
    status.threshold_ms === null ? status.sli_kind : `${status.sli_kind}<=${status.threshold_ms}ms`,
    `${status.objective}%`,
    `${status.period_days}d`,
    percent(status.sli),
    `${(status.error_budget.remaining * 100).toFixed(1)}%`,
    `${status.events.good}/${status.events.total}`,
    ...standardWindows.map((window) => rate(status.burn_rates[window.name])),
  ]);
  return textTable(columns, rows);
}
