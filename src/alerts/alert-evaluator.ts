import { randomUUID } from "node:crypto";
import type { AlertContext, AlertContextSource } from "./alert-context-source.js";
import type { AlertDelivery } from "./alert-delivery.js";
import { alertFingerprint, windowName } from "./alert-fingerprint.js";
import type { AlertLease } from "./alert-lease.js";
import type { AlertNotification } from "./alert-notification.js";
import type { AlertState, AlertStore } from "./alert-store.js";
import type { AlertsConfig, BurnRateWindow } from "./alerts-config-schema.js";
import { evaluateBurnRate, type BurnRateVerdict } from "./burn-rate.js";
import { formatDuration } from "./duration.js";
import { explorerUrl } from "./explorer-url.js";
import type { AlertableSlo, SliSource } from "./sli-source.js";

export interface AlertEvaluatorDeps {
  readonly store: AlertStore;
  readonly lease: AlertLease;
  readonly slos: readonly AlertableSlo[];
  readonly sli: SliSource;
  /** Drift and top errors for a firing alert; without it alerts carry no context. */
  readonly context?: AlertContextSource;
  readonly delivery: Pick<AlertDelivery, "enqueue">;
  /** Runs at the start of each round this replica leads (the composition root flushes its rollups, so the SLIs are current). */
  readonly beforeRound?: () => Promise<void>;
  readonly config: Pick<AlertsConfig, "windows" | "min_events" | "repeat_interval" | "external_url">;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** One SLO's evaluation failed (the others still run). */
  readonly onError: (error: unknown, slo: string) => void;
}

/** One evaluation round's outcome. */
export interface AlertRound {
  /** False when another replica holds the lease (this one evaluated nothing). */
  readonly leader: boolean;
  /** The notifications handed to the sinks in this round. */
  readonly sent: readonly AlertNotification[];
}

/** Evaluates every SLO against every burn-rate window and turns changes into notifications. */
export interface AlertEvaluator {
  evaluate(): Promise<AlertRound>;
}

/**
 * One round: take (or renew) the lease, evaluate, and move each alert between firing and resolved. Every change is a
 * compare-and-set on the stored state and only the writer that wins it sends, so a notification goes out once even if
 * two replicas ever overlap (an expired lease), and a restart neither repeats a firing nor forgets to resolve it.
 */
export function createAlertEvaluator(deps: AlertEvaluatorDeps): AlertEvaluator {
  const { store, config } = deps;

  async function notify(notification: AlertNotification, now: number, sent: AlertNotification[]): Promise<void> {
    deps.delivery.enqueue(notification);
    sent.push(notification);
    await store.addHistory({ id: `${now}-${randomUUID()}`, fingerprint: notification.fingerprint, time: now, status: notification.status, alert: notification });
  }

  async function contextFor(slo: AlertableSlo, window: BurnRateWindow, now: number): Promise<AlertContext | undefined> {
    if (deps.context === undefined) return undefined;
    try {
      return await deps.context.context(slo.labels, now - window.long, now);
    } catch (error) {
      deps.onError(error, slo.name);
      return undefined;
    }
  }

  async function step(slo: AlertableSlo, window: BurnRateWindow, state: AlertState | undefined, now: number, sent: AlertNotification[]): Promise<void> {
    const verdict = await evaluateBurnRate(deps.sli, slo, window, config.min_events, now);
    const fingerprint = alertFingerprint(slo.name, window);
    const build = (status: AlertNotification["status"], since: number, context?: AlertContext): AlertNotification =>
      notificationOf(slo, window, verdict, { fingerprint, status, since, now, externalUrl: config.external_url, context });
    const base = { fingerprint, slo: slo.name, window: windowName(window), severity: window.severity };
    if (verdict.firing) {
      if (state === undefined || state.status === "resolved") {
        const alert = build("firing", now, await contextFor(slo, window, now));
        const next: AlertState = { ...base, status: "firing", since: now, evaluatedAt: now, notifiedStatus: "firing", notifiedAt: now, alert };
        if (state === undefined ? await store.insert(next) : await store.replace(state, next)) await notify(alert, now, sent);
        return;
      }
      if (state.notifiedAt === null || now - state.notifiedAt >= config.repeat_interval) {
        const alert = build("firing", state.since, await contextFor(slo, window, now));
        if (await store.replace(state, { ...state, evaluatedAt: now, notifiedStatus: "firing", notifiedAt: now, alert })) await notify(alert, now, sent);
        return;
      }
      return store.touch(fingerprint, now, build("firing", state.since, state.alert.context));
    }
    if (state?.status !== "firing") return;
    const alert = build("resolved", state.since, state.alert.context);
    if (await store.replace(state, { ...state, status: "resolved", since: now, evaluatedAt: now, notifiedStatus: "resolved", notifiedAt: now, alert })) await notify(alert, now, sent);
  }

  /** An alert whose SLO or window left the config cannot fire again: resolve it rather than leave it firing forever. */
  async function resolveOrphan(state: AlertState, now: number, sent: AlertNotification[]): Promise<void> {
    const alert: AlertNotification = { ...state.alert, status: "resolved", endsAt: new Date(now).toISOString(), summary: `${state.alert.summary} (no longer configured)` };
    if (await store.replace(state, { ...state, status: "resolved", since: now, evaluatedAt: now, notifiedStatus: "resolved", notifiedAt: now, alert })) await notify(alert, now, sent);
  }

  return {
    async evaluate() {
      const now = deps.now();
      if (!(await deps.lease.acquire(now))) return { leader: false, sent: [] };
      await deps.beforeRound?.();
      const states = new Map((await store.states()).map((state) => [state.fingerprint, state]));
      const sent: AlertNotification[] = [];
      for (const slo of deps.slos) {
        for (const window of config.windows) {
          const fingerprint = alertFingerprint(slo.name, window);
          const state = states.get(fingerprint);
          states.delete(fingerprint);
          await step(slo, window, state, now, sent).catch((error: unknown) => deps.onError(error, slo.name));
        }
      }
      for (const orphan of states.values()) {
        if (orphan.status === "firing") await resolveOrphan(orphan, now, sent).catch((error: unknown) => deps.onError(error, orphan.slo));
      }
      return { leader: true, sent };
    },
  };
}

interface NotificationFacts {
  readonly fingerprint: string;
  readonly status: AlertNotification["status"];
  readonly since: number;
  readonly now: number;
  readonly externalUrl: string | undefined;
  readonly context: AlertContext | undefined;
}

function notificationOf(slo: AlertableSlo, window: BurnRateWindow, verdict: BurnRateVerdict, facts: NotificationFacts): AlertNotification {
  const long = formatDuration(window.long);
  const short = formatDuration(window.short);
  const scope = Object.entries(slo.labels)
    .filter(([, value]) => value !== "")
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  const burn = `${verdict.long.burnRate.toFixed(1)}× over ${long} and ${verdict.short.burnRate.toFixed(1)}× over ${short}`;
  const summary =
    facts.status === "firing"
      ? `SLO ${slo.name}${scope === "" ? "" : ` (${scope})`} is burning its error budget at ${burn} (threshold ${window.factor}×, objective ${slo.objective}%)`
      : `SLO ${slo.name}${scope === "" ? "" : ` (${scope})`} is back under ${window.factor}× (now ${burn})`;
  return {
    fingerprint: facts.fingerprint,
    status: facts.status,
    slo: slo.name,
    severity: window.severity,
    objective: slo.objective,
    window: { long, short, factor: window.factor },
    labels: { ...slo.labels, alertname: "GantrySloBurnRate", slo: slo.name, severity: window.severity, window: `${long}/${short}` },
    summary,
    burnRates: { long: verdict.long.burnRate, short: verdict.short.burnRate },
    counts: { long: { good: verdict.long.good, total: verdict.long.total }, short: { good: verdict.short.good, total: verdict.short.total } },
    startsAt: new Date(facts.since).toISOString(),
    ...(facts.status === "resolved" ? { endsAt: new Date(facts.now).toISOString() } : {}),
    explorerUrl: explorerUrl(slo.labels, facts.now - window.long, facts.now, facts.externalUrl),
    ...(facts.context === undefined ? {} : { context: facts.context }),
  };
}
