// Fine-tuning's metrics, read from the jobs table when Prometheus scrapes: jobs by status and provider, and
// the training queue's depth (waiting, active, failed).
import { type Metrics, type Sample, sharedReading } from '../platform/observability/metrics.ts';

const QUEUE_STATE: Record<string, string> = {
  created: 'waiting',
  queued: 'waiting',
  validating: 'active',
  running: 'active',
  failed: 'failed',
};

export function registerFineTuningMetrics(
  metrics: Metrics,
  jobs: Pick<JobRepository, 'countsByStatus'>,
): void {
  // The jobs gauge and the queue depth come from one query per scrape.
  const counts = sharedReading(() => jobs.countsByStatus());
  metrics.gauge(
    'crm_ai_finetune_jobs',
    'Fine-tuning jobs by status and provider',
    ['status', 'provider'],
    async () =>
      (await counts()).map(
        (row) => [{ status: row.status, provider: row.provider }, Number(row.jobs)] as Sample,
      ),
  );
  metrics.queue(async () => {
    const byState: Record<string, number> = { waiting: 0, active: 0, failed: 0 };
    for (const row of await counts()) {
      const state = QUEUE_STATE[row.status];
      if (state) byState[state]! += Number(row.jobs);
    }
    return Object.entries(byState).map(([state, jobs]) => [{ queue: 'fine-tuning', state }, jobs] as Sample);
  });
}

import type { JobRepository } from './jobs/repository.ts';
