import { GatewayError } from "../../errors/gateway-error.js";
import type { ModelRegistry } from "../../providers/model-registry.js";
import type { RouteHandler } from "../route-table.js";
import { sendJson } from "../send.js";
import { clipClientText } from "../../errors/clip-client-text.js";

const modelObject = (id: string, created: number): Record<string, unknown> => ({ id, object: "model", created, owned_by: "gantry" });

/** GET /v1/models: the client-facing model names. The body is built once per model list (a config reload makes a new one). */
export function createModelsRoute(registry: ModelRegistry, startedAtSeconds: number): RouteHandler {
  let listed: ReturnType<ModelRegistry["list"]> | undefined;
  let body = "";
  return (context) => {
    const models = registry.list();
    if (models !== listed) {
      listed = models;
      body = JSON.stringify({ object: "list", data: models.map((model) => modelObject(model.name, startedAtSeconds)) });
    }
    sendJson(context.response, 200, body);
  };
}

/** GET /v1/models/:id. */
export function createModelRoute(registry: ModelRegistry, startedAtSeconds: number): RouteHandler {
  return (context) => {
    const id = context.params["id"] ?? "";
    if (registry.get(id) === undefined) throw new GatewayError("model_not_found", { message: `The model "${clipClientText(id)}" does not exist.`, param: "model" });
    sendJson(context.response, 200, modelObject(id, startedAtSeconds));
  };
}
