import type { IncomingMessage } from "node:http";
import { Busboy, type BusboyFileStream } from "@fastify/busboy";
import { fileObject } from "../../batch/batch-object.js";
import type { BatchFiles } from "../../batch/batch-files.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { tenantOf } from "../../pipeline/principal.js";
import type { MethodHandlers } from "../route-table.js";
import { sendJson } from "../send.js";
import { listObject, listQuery } from "./list-query.js";

export interface FilesRouteDeps {
  files: BatchFiles;
  /** Epoch milliseconds. */
  now: () => number;
}

/** Purposes this gateway accepts uploads for. */
const purposes = new Set(["batch"]);

/** /v1/files: multipart uploads streamed to disk, then list, retrieve, content (streamed) and delete, per tenant. */
export function createFilesRoutes(deps: FilesRouteDeps): Map<string, MethodHandlers> {
  const { files } = deps;
  return new Map<string, MethodHandlers>([
    [
      "/v1/files",
      {
        POST: async (context) => {
          const form = await receiveForm(context.request, files);
          const purpose = form.fields.get("purpose");
          if (purpose === undefined || !purposes.has(purpose) || form.file === undefined) {
            if (form.file !== undefined) await files.discard(form.file.id);
            throw form.file === undefined
              ? new GatewayError("invalid_request", { message: "The form has no file field.", param: "file" })
              : new GatewayError("invalid_request", { message: "purpose must be 'batch'.", param: "purpose" });
          }
          const row = { id: form.file.id, tenant: tenantOf(context.principal), purpose, filename: form.file.filename, bytes: form.file.bytes, created_at: Math.floor(deps.now() / 1000) };
          await files.record(row);
          sendJson(context.response, 200, fileObject(row));
        },
        GET: async (context) => {
          const { after, limit, params } = listQuery(context);
          const page = await files.list(tenantOf(context.principal), params.get("purpose") ?? undefined, after, limit);
          sendJson(context.response, 200, listObject(page.rows.map(fileObject), page.hasMore, (file) => String(file["id"])));
        },
      },
    ],
    [
      "/v1/files/:id",
      {
        GET: async (context) => sendJson(context.response, 200, fileObject(await files.get(context.params["id"] ?? "", tenantOf(context.principal)))),
        DELETE: async (context) => {
          const id = context.params["id"] ?? "";
          await files.delete(id, tenantOf(context.principal));
          sendJson(context.response, 200, { id, object: "file", deleted: true });
        },
      },
    ],
    [
      "/v1/files/:id/content",
      {
        GET: async (context) => {
          const row = await files.get(context.params["id"] ?? "", tenantOf(context.principal));
          const { response } = context;
          response.writeHead(200, { "content-type": "application/octet-stream", "content-length": row.bytes });
          const stream = files.open(row);
          await new Promise<void>((resolve, reject) => {
            stream.on("error", reject);
            response.on("close", () => {
              stream.destroy();
              resolve();
            });
            stream.pipe(response);
          });
        },
      },
    ],
  ]);
}

interface ReceivedForm {
  readonly fields: Map<string, string>;
  readonly file: { id: string; filename: string; bytes: number } | undefined;
}

/** Parses a multipart form: small fields kept, the one `file` part streamed to disk as it arrives. */
async function receiveForm(request: IncomingMessage, files: BatchFiles): Promise<ReceivedForm> {
  const contentType = request.headers["content-type"];
  if (contentType === undefined || !contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new GatewayError("unsupported_media_type", { message: "Content-Type must be multipart/form-data." });
  }
  const fields = new Map<string, string>();
  let upload: Promise<{ id: string; filename: string; bytes: number }> | undefined;
  const parser = new Busboy({ headers: { ...request.headers, "content-type": contentType }, limits: { files: 1, fields: 16, fieldSize: 4096, parts: 32 } });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on("field", (name: string, value: string) => fields.set(name, value));
    parser.on("file", (name: string, stream: BusboyFileStream, filename: string) => {
      if (name !== "file" || upload !== undefined) {
        stream.resume();
        return;
      }
      upload = files.receive(stream).then(({ id, bytes }) => ({ id, filename: filename === "" ? "upload.jsonl" : filename, bytes }));
      // The upload's own failure (too large) is reported below; a dangling rejection must not go unhandled meanwhile.
      upload.catch(() => {
        request.unpipe(parser);
        request.resume();
        resolve();
      });
    });
    parser.on("finish", resolve);
    parser.on("error", (error: Error) => reject(new GatewayError("invalid_request", { message: `The multipart body is malformed: ${error.message}` })));
  });
  request.pipe(parser);
  await parsed;
  return { fields, file: upload === undefined ? undefined : await upload };
}
