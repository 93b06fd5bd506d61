import type { AccountingRecord } from "./accounting-record.js";

/** The model and deployment that are answering a request. */
export interface Answerer {
  readonly model: string;
  readonly deployment: string | undefined;
}

/**
 * One request's account, as the stages see it (the port to the accounting service): the source that answers says
 * who answers as soon as the answer starts, stages that reserve something (TPM, budgets) settle it from the one
 * record, and observers read the record once it exists.
 */
export interface RequestAccount {
  /** Called by the source that answers, before any byte is written, so every later charge uses its price. */
  answeredBy(answerer: Answerer): void;
  /** The request's prompt tokens, counted with the tokenizer once per request (on first use). */
  promptTokens(): number;
  /** Runs `listener` once with the final record; at once when the record already exists. */
  onRecord(listener: (record: AccountingRecord) => void): void;
  /** The final record, once the answer ended. */
  readonly record: AccountingRecord | undefined;
  /** The answer text the client was sent (streams; for the request log's body), once the answer ended. */
  readonly deliveredText: string;
}

/** The request's account, which the accounting stage opens before any stage that charges runs. */
export function requireAccount(context: { readonly account?: RequestAccount | undefined }): RequestAccount {
  if (context.account === undefined) throw new Error("no request account: the accounting stage must run first");
  return context.account;
}
