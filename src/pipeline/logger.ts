/** The structured logger every layer writes to; `telemetry/logger.ts` creates it, the core only names its type. */
export type { Logger } from "pino";
