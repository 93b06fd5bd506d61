import { ROOT_CONTEXT, SpanKind, trace, type Attributes, type Span, type SpanContext } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import type { TelemetryConfig } from "./telemetry-config-schema.js";

/** Span creation for the request observer; a no-op provider is never built: tracing is off when this is absent. */
export interface Tracing {
  /** The request's server span, a child of `parent` (the incoming `traceparent`) when given. */
  startRequest(startTime: number, parent: SpanContext | undefined): Span;
  /** A child span; `startTime` is a performance.now() value, as request timestamps are. */
  startChild(parent: Span, name: string, options?: { startTime?: number; kind?: SpanKind; attributes?: Attributes }): Span;
  /** Exports what is buffered, then stops the exporter. */
  shutdown(): Promise<void>;
}

/** Builds OTLP/HTTP tracing (JSON over HTTP to `<endpoint>/v1/traces`), or undefined when no endpoint is configured. */
export function createTracing(config: TelemetryConfig): Tracing | undefined {
  if (config.otlp_endpoint === undefined) return undefined;
  const exporter = new OTLPTraceExporter({ url: `${config.otlp_endpoint.replace(/\/+$/, "")}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.service_name }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sample_ratio) }),
    // Spans leave in batches from a bounded buffer; a slow collector drops spans, never slows requests.
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 4096, maxExportBatchSize: 512, scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer("gantry");
  return {
    startRequest(startTime, parent) {
      const context = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
      return tracer.startSpan("gantry.request", { kind: SpanKind.SERVER, startTime }, context);
    },
    startChild(parent, name, options = {}) {
      return tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(options.startTime === undefined ? {} : { startTime: options.startTime }), ...(options.attributes === undefined ? {} : { attributes: options.attributes }) }, trace.setSpan(ROOT_CONTEXT, parent));
    },
    shutdown: () => provider.shutdown(),
  };
}
