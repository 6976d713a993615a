// The instance's Prometheus metrics (prom-client), one registry per app. Request, error and agent metrics are
// counted where they happen; the state of the cache, the index, the queues and the jobs is read from those
// components when Prometheus scrapes, so nothing is counted twice and idle parts cost nothing.
import { Counter, collectDefaultMetrics, Gauge, Histogram, type LabelValues, Registry } from 'prom-client';

type Labels = LabelValues<string>;
export type Sample = readonly [labels: Labels, value: number];

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * One reading for the gauges of one scrape that draw on the same query or calls: prom-client collects every
 * metric at once, so a reading still in flight is shared, and the next scrape reads afresh.
 */
export function sharedReading<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      const reading = read();
      pending = reading;
      const settled = () => {
        if (pending === reading) pending = undefined;
      };
      reading.then(settled, settled);
    }
    return pending;
  };
}

export class Metrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  readonly httpRequests = new Counter({
    name: 'crm_ai_http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: this.registers,
  });
  readonly httpDuration = new Histogram({
    name: 'crm_ai_http_request_duration_seconds',
    help: 'HTTP request latency by route template and method',
    labelNames: ['route', 'method'],
    buckets: LATENCY_BUCKETS,
    registers: this.registers,
  });
  readonly errors = new Counter({
    name: 'crm_ai_errors_total',
    help: 'Error responses by stable error code and status',
    labelNames: ['code', 'status'],
    registers: this.registers,
  });
  readonly agentTasks = new Histogram({
    name: 'crm_ai_agent_task_duration_seconds',
    help: 'Agent task latency by agent, engine and outcome (succeeded, failed)',
    labelNames: ['agent', 'engine', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: this.registers,
  });
  readonly modelTokens = new Counter({
    name: 'crm_ai_model_tokens_total',
    help: 'Model tokens by engine and kind (prompt, completion)',
    labelNames: ['engine', 'kind'],
    registers: this.registers,
  });
  readonly modelCost = new Counter({
    name: 'crm_ai_model_cost_usd_total',
    help: 'Model cost in USD by engine, from the configured prices',
    labelNames: ['engine'],
    registers: this.registers,
  });
  readonly queueRetries = new Counter({
    name: 'crm_ai_queue_retried_total',
    help: 'Jobs run again, per queue: after a failure (with backoff) or taken over from a worker that died',
    labelNames: ['queue'],
    registers: this.registers,
  });

  private readonly queueSources: (() => Promise<Sample[]> | Sample[])[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'crm_ai_' });
    this.gauge(
      'crm_ai_queue_jobs',
      'Jobs per queue and state (waiting, active, failed)',
      ['queue', 'state'],
      async () => (await Promise.all(this.queueSources.map((read) => read()))).flat(),
    );
  }

  /** Adds a queue's samples (labels queue and state) to crm_ai_queue_jobs. */
  queue(read: () => Promise<Sample[]> | Sample[]): void {
    this.queueSources.push(read);
  }

  /** A gauge whose samples are read at scrape time. */
  gauge(name: string, help: string, labelNames: string[], read: () => Promise<Sample[]> | Sample[]): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: this.registers,
      async collect() {
        const samples = await read();
        this.reset();
        for (const [labels, value] of samples) this.set(labels, value);
      },
    });
  }

  /** A counter that follows a component's own monotonic counters, read at scrape time. */
  mirroredCounter(name: string, help: string, labelNames: string[], read: () => Sample[]): void {
    const last = new Map<string, number>();
    new Counter({
      name,
      help,
      labelNames,
      registers: this.registers,
      collect() {
        for (const [labels, value] of read()) {
          const key = JSON.stringify(labels);
          const delta = value - (last.get(key) ?? 0);
          if (delta > 0) this.inc(labels, delta);
          last.set(key, Math.max(value, last.get(key) ?? 0));
        }
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
