import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GatewayError } from "../errors/gateway-error.js";
import type { BatchFileRow, BatchStore, ListPage } from "../store/batch-store.js";

/** Files for the Batch API: bytes in a directory every replica shares, metadata in the database. */
export interface BatchFiles {
  /** Streams an upload to disk (never whole into memory), refusing it past the size limit; `record` or `discard` it next. */
  receive(content: Readable): Promise<{ id: string; bytes: number }>;
  /** Makes a received file visible to its tenant. */
  record(row: BatchFileRow): Promise<void>;
  /** Drops a received file that will not be recorded (the form was invalid). */
  discard(id: string): Promise<void>;
  /** Writes a file the gateway made (a batch's output) under a chosen id; writing it again replaces it. */
  write(row: Omit<BatchFileRow, "bytes">, lines: AsyncIterable<string>): Promise<BatchFileRow>;
  get(id: string, tenant: string | undefined): Promise<BatchFileRow>;
  list(tenant: string, purpose: string | undefined, after: string | undefined, limit: number): Promise<ListPage<BatchFileRow>>;
  /** The file's bytes as a stream. */
  open(row: BatchFileRow): Readable;
  delete(id: string, tenant: string): Promise<void>;
}

export interface BatchFilesDeps {
  store: Pick<BatchStore, "insertFile" | "getFile" | "listFiles" | "deleteFile">;
  dir: string;
  maxBytes: number;
}

/** Creates the file service over the store and the files directory. */
export function createBatchFiles(deps: BatchFilesDeps): BatchFiles {
  const pathOf = (id: string): string => join(deps.dir, id);

  /** Streams into a temporary file and renames it into place, so a reader never sees half a file. */
  async function store(id: string, source: Readable | AsyncIterable<string>, limit: number): Promise<number> {
    await mkdir(deps.dir, { recursive: true });
    const temporary = `${pathOf(id)}.${randomBytes(4).toString("hex")}.part`;
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer | string, _encoding, callback) {
        bytes += Buffer.byteLength(chunk);
        if (bytes > limit) callback(new GatewayError("body_too_large", { message: `The file exceeds the limit of ${limit} bytes.`, param: "file" }));
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(temporary));
      await rename(temporary, pathOf(id));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return bytes;
  }

  async function get(id: string, tenant: string | undefined): Promise<BatchFileRow> {
    const row = await deps.store.getFile(id, tenant);
    if (row === undefined) throw new GatewayError("file_not_found", { message: `No such File object: ${id}`, param: "file_id" });
    return row;
  }

  return {
    async receive(content) {
      const id = `file-${randomBytes(12).toString("hex")}`;
      return { id, bytes: await store(id, content, deps.maxBytes) };
    },
    record: (row) => deps.store.insertFile(row),
    discard: (id) => rm(pathOf(id), { force: true }),
    async write(partial, lines) {
      const bytes = await store(partial.id, lines, Number.MAX_SAFE_INTEGER);
      const row = { ...partial, bytes };
      await deps.store.insertFile(row);
      return row;
    },
    get,
    list: (tenant, purpose, after, limit) => deps.store.listFiles(tenant, purpose, after, limit),
    open: (row) => createReadStream(pathOf(row.id)),
    async delete(id, tenant) {
      if (!(await deps.store.deleteFile(id, tenant))) throw new GatewayError("file_not_found", { message: `No such File object: ${id}`, param: "file_id" });
      await rm(pathOf(id), { force: true });
    },
  };
}
