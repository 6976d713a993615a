// OpenTelemetry spans around HTTP requests, database queries, cache calls, embedding, vector search, model
// calls and provider calls, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set. Off, `traced`
// only times the call for the request's breakdown: no span objects, no context switching.
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { addTiming, type TimingKind } from './timings.ts';

let provider: NodeTracerProvider | undefined;

/** Registers the process-wide tracer provider (one per process: OpenTelemetry's context is global). */
export function startTracing(endpoint: string, serviceName: string): void {
  if (provider) return;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }), {
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  provider.register();
}

/** Sends what is buffered and unregisters. */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = undefined;
  if (!stopping) return;
  await stopping.shutdown();
  trace.disable();
  context.disable();
}

export function tracingEnabled(): boolean {
  return provider !== undefined;
}

function tracer() {
  return trace.getTracer('crm-ai');
}

/** Runs `fn` in a span named `name` when tracing is on, and adds its duration to the request's breakdown. */
export async function traced<T>(
  name: string,
  kind: TimingKind,
  fn: () => Promise<T>,
  attributes?: Attributes,
): Promise<T> {
  const started = performance.now();
  try {
    if (!provider) return await fn();
    return await tracer().startActiveSpan(name, { attributes }, async (span) => {
      try {
        return await fn();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    });
  } finally {
    addTiming(kind, performance.now() - started);
  }
}

/** A span for something that already happened (a query the driver reports after the fact). */
export function recordSpan(name: string, durationMs: number, attributes?: Attributes): void {
  if (!provider) return;
  const end = Date.now();
  tracer()
    .startSpan(name, { startTime: end - durationMs, attributes })
    .end(end);
}

/** The server span of an HTTP request; `run` continues the request inside it. */
export function startRequestSpan(method: string, run: () => void): Span | undefined {
  if (!provider) {
    run();
    return undefined;
  }
  const span = tracer().startSpan(`HTTP ${method}`, { kind: SpanKind.SERVER });
  context.with(trace.setSpan(context.active(), span), run);
  return span;
}
