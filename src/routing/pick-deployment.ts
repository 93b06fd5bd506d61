import { GatewayError } from "../errors/gateway-error.js";
import type { Deployment, ModelEntry } from "../providers/model-registry.js";

/** Picks deployments in turn among the ready ones; the strategies of the routing issue replace this. */
export function createDeploymentPicker(): (model: ModelEntry) => Deployment {
  const cursors = new Map<string, number>();
  return (model) => {
    const count = model.deployments.length;
    const start = cursors.get(model.name) ?? 0;
    for (let offset = 0; offset < count; offset++) {
      const index = (start + offset) % count;
      const deployment = model.deployments[index];
      if (deployment !== undefined && deployment.provider.state().state === "ready") {
        cursors.set(model.name, (index + 1) % count);
        return deployment;
      }
    }
    throw new GatewayError("no_deployment_available", { message: `No deployment of model "${model.name}" is ready.` });
  };
}
