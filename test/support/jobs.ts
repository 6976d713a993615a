// Waiting on a fine-tuning job over HTTP, as a client of the API would.
import type { Tenant } from './app.ts';

export type JobBody = any;

export async function waitForJob(
  api: Tenant['api'],
  workspaceId: string,
  jobId: string,
  done: (job: JobBody) => boolean,
  timeoutMs = 20_000,
): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await api.get(`/api/ai/fine-tuning/${workspaceId}/jobs/${jobId}`)).body;
    if (done(job)) return job;
    if (Date.now() > deadline)
      throw new Error(`job ${jobId} is still ${job.status} (${job.error ?? 'no error'})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
