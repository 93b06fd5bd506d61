import { GatewayError } from "../errors/gateway-error.js";

/**
 * One upstream call's abort signal: fires when the client aborts, the total deadline passes,
 * or the first byte has not come in time. `dispose()` must run when the call ends.
 */
export class CallDeadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly totalTimer: NodeJS.Timeout;
  private firstByteTimer: NodeJS.Timeout | undefined;
  private readonly onClientAbort: () => void;

  constructor(
    private readonly clientSignal: AbortSignal,
    provider: string,
    totalMs: number,
    firstByteMs: number,
  ) {
    this.signal = this.controller.signal;
    this.onClientAbort = () => this.controller.abort(clientSignal.reason);
    if (clientSignal.aborted) this.controller.abort(clientSignal.reason);
    else clientSignal.addEventListener("abort", this.onClientAbort, { once: true });
    this.totalTimer = setTimeout(() => this.abortWith(provider, `the upstream did not finish within ${totalMs} ms`), totalMs);
    this.firstByteTimer = setTimeout(() => this.abortWith(provider, `the upstream sent no first byte within ${firstByteMs} ms`), firstByteMs);
  }

  /** Call when the first byte of the answer arrived. */
  firstByte(): void {
    if (this.firstByteTimer !== undefined) clearTimeout(this.firstByteTimer);
    this.firstByteTimer = undefined;
  }

  dispose(): void {
    clearTimeout(this.totalTimer);
    this.firstByte();
    this.clientSignal.removeEventListener("abort", this.onClientAbort);
  }

  private abortWith(provider: string, message: string): void {
    this.controller.abort(new GatewayError("upstream_timeout", { message: `${message} (${provider})` }));
  }
}
