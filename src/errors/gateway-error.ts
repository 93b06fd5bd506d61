import { errorCodes, type ErrorCode } from "./codes.js";

export interface GatewayErrorOptions {
  message?: string;
  param?: string | null;
  /** Overrides the table's status, e.g. to keep an upstream 422 as 422. */
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/** An error that the gateway knows how to show a client: a row of the error table plus details. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, options: GatewayErrorOptions = {}) {
    const spec = errorCodes[code];
    super(options.message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.status = options.status ?? spec.status;
    this.type = spec.type;
    this.param = options.param ?? null;
    this.retryable = spec.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export interface UpstreamErrorOptions extends GatewayErrorOptions {
  provider: string;
  upstreamStatus?: number;
  /** The upstream's body, truncated, for logs; never shown to clients verbatim beyond its message. */
  upstreamBody?: string;
}

/** A failure of an upstream model server, keeping what the upstream said for logs and retries. */
export class UpstreamError extends GatewayError {
  readonly provider: string;
  readonly upstreamStatus: number | undefined;
  readonly upstreamBody: string | undefined;

  constructor(code: ErrorCode, options: UpstreamErrorOptions) {
    super(code, options);
    this.name = "UpstreamError";
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.upstreamBody = options.upstreamBody;
  }
}

/** Thrown into provider code when the client went away; never becomes a response. */
export class ClientAbortedError extends Error {
  constructor() {
    super("client aborted the request");
    this.name = "ClientAbortedError";
  }
}
