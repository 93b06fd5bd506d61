import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startTestGateway } from "../helpers/gateway.js";
import { startOtlpReceiver, type OtlpReceiver } from "../helpers/otlp-receiver.js";

describe("OTLP traces", () => {
  let upstreams: FakeUpstream[];
  let receiver: OtlpReceiver;
  let gateway: RunningGateway;

  beforeAll(async () => {
    upstreams = [await startFakeUpstream(), await startFakeUpstream()];
    receiver = await startOtlpReceiver();
    gateway = await startTestGateway(
      `request_log: { enabled: false }
telemetry: { otlp_endpoint: "${receiver.endpoint}", service_name: gantry-test }
models:
  - name: story
    routing: { strategy: round-robin }
    cache: { mode: exact }
    retry: { max_attempts: 2, base_delay_ms: 1, max_delay_ms: 5 }
    deployments:
${upstreams.map((upstream) => `      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }`).join("\n")}
`,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await receiver.close();
    for (const upstream of upstreams) await upstream.close();
  });

  it("exports a server span per request with stage and per-attempt children, honours and propagates traceparent", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentId = "00f067aa0ba902b7";
    // Round-robin sends the first attempt to the first upstream, which fails it; the retry goes to the second.
    upstreams[0]?.enqueue({ kind: "status", status: 503 });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${traceId}-${parentId}-01` },
      body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-gantry-attempts")).toBe("2");
    // The gateway's close() flushes the batch processor; here we wait for the scheduled export instead.
    await receiver.waitFor((spans) => spans.some((span) => span.name === "chat story") && spans.filter((span) => span.name.startsWith("gantry.upstream")).length >= 2);
    const root = receiver.spans.find((span) => span.name === "chat story");
    expect(root).toMatchObject({ traceId, parentSpanId: parentId, kind: 2, serviceName: "gantry-test" });
    expect(root?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "story",
      "gen_ai.response.model": "story",
      "gen_ai.provider.name": "openai-compatible",
      "http.response.status_code": 200,
      "gantry.attempts": 2,
    });
    expect(root?.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(root?.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    const children = receiver.spans.filter((span) => span.parentSpanId === root?.spanId);
    const names = children.map((span) => span.name);
    expect(names).toContain("gantry.validate");
    expect(names).toContain("gantry.stage.cache");
    const attempts = children.filter((span) => span.name.startsWith("gantry.upstream"));
    expect(attempts).toHaveLength(2);
    expect(attempts.map((span) => span.attributes["gantry.attempt"]).sort()).toEqual([1, 2]);
    expect(attempts.some((span) => span.attributes["error.type"] === "upstream_unavailable")).toBe(true);
    // Each upstream saw its own attempt span as parent, in the same trace (health-check probes carry no trace).
    const sent = upstreams.flatMap((upstream) => upstream.calls.filter((call) => call.method === "POST").map((call) => call.headers["traceparent"]));
    expect(sent).toHaveLength(2);
    for (const attempt of attempts) expect(sent).toContain(`00-${traceId}-${attempt.spanId}-01`);
  });

  it("starts a new trace without an incoming traceparent", async () => {
    const response = await fetch(`${gateway.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", prompt: "Once" }) });
    expect(response.status).toBe(200);
    await receiver.waitFor((spans) => spans.some((span) => span.name === "text_completion story"));
    const root = receiver.spans.find((span) => span.name === "text_completion story");
    expect(root?.parentSpanId).toBeUndefined();
    expect(root?.traceId).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });
});
