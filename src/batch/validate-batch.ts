import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { canonicalRequest } from "../cache/canonical-request.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { JsonObject } from "../protocol/openai-responses.js";
import { validateRequest } from "../protocol/validate-request.js";
import type { BatchLineRow, BatchRow, BatchStore } from "../store/batch-store.js";
import { batchEndpoints, type BatchEndpoint } from "./batch-endpoints.js";

/** One problem with the input file, as OpenAI's `errors.data` lists it (lines are 1-based). */
export interface BatchLineError {
  readonly code: string;
  readonly line: number | null;
  readonly message: string;
  readonly param: string | null;
}

/** What validation found: the problems, or the lines to store. */
export type Validation = { readonly errors: readonly BatchLineError[] } | { readonly errors: readonly []; readonly lines: number; readonly chunks: number };

export interface ValidateDeps {
  store: Pick<BatchStore, "insertLines" | "insertChunks">;
  /** The input file's bytes. */
  open(): Readable;
  maxLines: number;
  chunkLines: number;
}

/** Errors listed at most; a file with more is failed all the same. */
const maxErrors = 100;
const insertRows = 1000;

/**
 * Checks every line of a batch's input file (bounded memory: one line at a time, custom_ids and body hashes kept),
 * then, when all are valid, stores them in chunks. Identical requests share a body hash and a chunk, so the worker that
 * answers one writes the answer for all. Storing is idempotent: a validation redone after a crash inserts nothing twice.
 */
export async function validateBatch(batch: BatchRow, deps: ValidateDeps): Promise<Validation> {
  const endpoint = batchEndpoints.get(batch.endpoint);
  if (endpoint === undefined) return { errors: [{ code: "invalid_url", line: null, message: `Unsupported endpoint ${batch.endpoint}.`, param: "endpoint" }] };
  const errors: BatchLineError[] = [];
  const customIds = new Set<string>();
  let count = 0;
  await eachLine(deps.open(), (text, line) => {
    count++;
    if (count > deps.maxLines) {
      if (count === deps.maxLines + 1) errors.push({ code: "too_many_tasks", line, message: `The file has more than ${deps.maxLines} requests.`, param: null });
      return;
    }
    const problem = checkLine(text, line, batch.endpoint, endpoint, customIds);
    if (problem !== undefined && errors.length < maxErrors) errors.push(problem);
  });
  if (errors.length > 0) return { errors };
  if (count === 0) return { errors: [{ code: "empty_file", line: null, message: "The input file has no requests.", param: "input_file_id" }] };

  // Second pass: the file is valid, so store it. Chunks are numbered by distinct request; a repeat joins its first's chunk.
  const chunkOfHash = new Map<string, number>();
  let rows: BatchLineRow[] = [];
  await eachLine(deps.open(), async (text, line) => {
    const request = JSON.parse(text) as { custom_id: string; body: JsonObject };
    const bodyHash = createHash("sha256").update(canonicalRequest(endpoint.operation, request.body)).digest("hex");
    let chunk = chunkOfHash.get(bodyHash);
    if (chunk === undefined) {
      chunk = Math.floor(chunkOfHash.size / deps.chunkLines);
      chunkOfHash.set(bodyHash, chunk);
    }
    rows.push({ id: `${batch.id}:${line}`, batch_id: batch.id, line, chunk, custom_id: request.custom_id, body_hash: bodyHash, body: JSON.stringify(request.body), state: "pending", outcome: null, result: null });
    if (rows.length >= insertRows) {
      await deps.store.insertLines(rows);
      rows = [];
    }
  });
  if (rows.length > 0) await deps.store.insertLines(rows);
  const chunks = Math.ceil(chunkOfHash.size / deps.chunkLines);
  await deps.store.insertChunks(batch.id, chunks);
  return { errors: [], lines: count, chunks };
}

/** Runs `visit` on each non-blank line with its 1-based line number, one at a time. */
async function eachLine(input: Readable, visit: (text: string, line: number) => void | Promise<void>): Promise<void> {
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (text.trim() !== "") await visit(text, line);
  }
}

/** The first problem with one input line, or undefined when it is a valid request for `endpoint`. */
function checkLine(text: string, line: number, endpointPath: string, endpoint: BatchEndpoint, customIds: Set<string>): BatchLineError | undefined {
  const fail = (code: string, message: string, param: string | null = null): BatchLineError => ({ code, line, message, param });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail("invalid_json_line", "This line is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return fail("invalid_json_line", "This line is not a JSON object.");
  const request = parsed as Record<string, unknown>;
  const customId = request["custom_id"];
  if (typeof customId !== "string" || customId === "") return fail("missing_required_parameter", "custom_id is required and must be a non-empty string.", "custom_id");
  if (customIds.has(customId)) return fail("duplicate_custom_id", `The custom_id '${customId.slice(0, 64)}' appears more than once.`, "custom_id");
  customIds.add(customId);
  if (request["method"] !== "POST") return fail("invalid_method", "method must be POST.", "method");
  if (request["url"] !== endpointPath) return fail("invalid_url", `url must be the batch's endpoint ${endpointPath}.`, "url");
  const body = request["body"];
  if (body === null || typeof body !== "object" || Array.isArray(body)) return fail("missing_required_parameter", "body is required and must be a JSON object.", "body");
  if ((body as Record<string, unknown>)["stream"] === true) return fail("invalid_request", "Streaming is not available in a batch.", "body.stream");
  try {
    validateRequest(endpoint.schema, body);
  } catch (error) {
    if (error instanceof GatewayError) return fail(error.code, error.message, error.param === null ? "body" : `body.${error.param}`);
    throw error;
  }
  return undefined;
}

