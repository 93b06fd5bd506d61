import { randomUUID } from "node:crypto";
import { z } from "zod";
import { GatewayError } from "../../errors/gateway-error.js";
import type { RequestLogWriter } from "../../store/request-log-writer.js";
import type { RequestStore } from "../../store/request-store.js";
import { readJsonBody } from "../read-json-body.js";
import type { RouteHandler } from "../route-table.js";
import { sendJson } from "../send.js";
import { clipClientText } from "../../errors/clip-client-text.js";

const feedbackSchema = z
  .strictObject({
    request_id: z.string().min(1).max(128),
    score: z.number().finite().optional(),
    thumbs: z.enum(["up", "down"]).optional(),
    label: z.string().min(1).max(200).optional(),
    comment: z.string().max(4000).optional(),
  })
  .refine((body) => body.score !== undefined || body.thumbs !== undefined || body.label !== undefined, { message: "give at least one of score, thumbs or label" });

/**
 * POST /v1/feedback: a score, thumbs or label on a logged request, named by the server's request id
 * (`x-gantry-request-id`). Only the caller's tenant's requests count: any other id is the same 404 as an unknown one,
 * so a caller cannot learn which ids exist elsewhere.
 */
export function createFeedbackRoute(store: Pick<RequestStore, "insertFeedback">, requestLog: Pick<RequestLogWriter, "flush">, now: () => number = Date.now): RouteHandler {
  return async (context) => {
    const parsed = feedbackSchema.safeParse(await readJsonBody(context.request, 64 * 1024));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join(".") ?? "";
      throw new GatewayError("invalid_request", { message: issue === undefined ? "Invalid feedback." : `${param === "" ? "" : `${param}: `}${issue.message}`, param: param === "" ? null : param });
    }
    const body = parsed.data;
    // The request may have finished a moment ago with its row still queued: write what is queued first.
    await requestLog.flush();
    const id = randomUUID();
    const owner = { team: context.principal?.team ?? null, keyId: context.principal?.id ?? null };
    const feedback = { id, request_id: body.request_id, time: now(), score: body.score ?? null, thumbs: body.thumbs ?? null, label: body.label ?? null, comment: body.comment ?? null };
    const linked = await store.insertFeedback(feedback, owner);
    if (!linked) throw new GatewayError("not_found", { message: `No logged request has the id "${clipClientText(body.request_id)}".`, param: "request_id" });
    sendJson(context.response, 201, { id, object: "feedback", request_id: body.request_id });
  };
}
