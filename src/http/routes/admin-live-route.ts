import type { ServerResponse } from "node:http";
import { GatewayError } from "../../errors/gateway-error.js";
import type { LiveSnapshot } from "../../telemetry/live-window.js";
import type { RouteHandler } from "../route-table.js";

/** GET /admin/live and how the composition root stops it at shutdown. */
export interface LiveFeed {
  readonly route: RouteHandler;
  /** Subscribers connected now. */
  subscribers(): number;
  /** Ends every stream and stops the ticker (shutdown drain: an open dashboard must not hold the grace period). */
  close(): void;
}

export interface LiveFeedOptions {
  snapshot: () => LiveSnapshot;
  intervalMs: number;
  /** Streams beyond this are refused with 503 so dashboards cannot exhaust the gateway's sockets. */
  maxSubscribers: number;
  /** A comment line this often keeps proxies from closing an idle-looking stream. */
  heartbeatMs?: number;
}

/**
 * One shared ticker for every subscriber: each tick takes one snapshot, serialises it once and writes the same frame
 * to all streams. The ticker runs only while someone listens. A slow client whose socket buffer is full skips frames
 * instead of queueing them.
 */
export function createLiveFeed(options: LiveFeedOptions): LiveFeed {
  const streams = new Set<ServerResponse>();
  let ticker: NodeJS.Timeout | undefined;
  let sinceHeartbeat = 0;
  const heartbeatTicks = Math.max(1, Math.round((options.heartbeatMs ?? 15_000) / options.intervalMs));
  let closed = false;

  function tick(): void {
    const frame = `event: snapshot\ndata: ${JSON.stringify(options.snapshot())}\n\n`;
    sinceHeartbeat++;
    const heartbeat = sinceHeartbeat >= heartbeatTicks ? ": heartbeat\n\n" : "";
    if (heartbeat !== "") sinceHeartbeat = 0;
    for (const response of streams) if (response.writableNeedDrain !== true) response.write(heartbeat + frame);
  }

  function stop(response: ServerResponse): void {
    streams.delete(response);
    if (streams.size === 0 && ticker !== undefined) {
      clearInterval(ticker);
      ticker = undefined;
    }
  }

  return {
    route: async (context) => {
      if (closed) throw new GatewayError("shutting_down");
      if (streams.size >= options.maxSubscribers) throw new GatewayError("server_busy", { message: "Too many live dashboard streams are open; close one and retry." });
      const { response } = context;
      response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" });
      // The first frame at once: the page shows figures without waiting a tick.
      response.write(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(options.snapshot())}\n\n`);
      streams.add(response);
      if (ticker === undefined) {
        ticker = setInterval(tick, options.intervalMs);
        ticker.unref();
      }
      await new Promise<void>((resolve) => {
        response.once("close", resolve);
        context.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      stop(response);
      response.end();
    },
    subscribers: () => streams.size,
    close() {
      closed = true;
      for (const response of [...streams]) {
        stop(response);
        response.end();
      }
    },
  };
}
