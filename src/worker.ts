// `crm-ai worker`: a process that runs background work and serves no HTTP: indexing, training and workflow
// jobs from the cluster's queue (JOB_QUEUE=redis); training jobs are claimed under a database lease, which
// makes each run once even when a queue message is delivered twice, and polling finds any left behind. Run any number;
// they share the work. SIGTERM finishes the jobs in hand (a training run is handed back at its next step).

import { createAgents } from './agents/index.ts';
import { recordTrainingData } from './agents/learning/workspace-data.ts';
import { createAi } from './ai/index.ts';
import { createAutomation } from './automation/index.ts';
import type { Config } from './config.ts';
import { createCrm } from './crm/index.ts';
import { createFineTuning } from './finetune/index.ts';
import { createPlatform } from './platform/index.ts';
import { createVector } from './vector/index.ts';

export async function startWorker(config: Config) {
  const workerConfig: Config = {
    ...config,
    jobs: { ...config.jobs, run: true },
    fineTuning: { ...config.fineTuning, worker: true },
  };
  const platform = await createPlatform(workerConfig);
  const crm = createCrm(platform);
  const ai = await createAi(platform);
  const vector = await createVector(platform, crm, ai, { repair: false });
  const fineTuning = createFineTuning(platform, crm, ai.registry, recordTrainingData(crm.records));
  // Creating the agents registers their consumers (workflows, retraining, rescoring) and the retraining
  // schedule: RUN_JOBS is on in a worker.
  const agents = platform.queue.shared ? createAgents(platform, crm, vector, ai.registry) : undefined;
  // Automation runs from the shared queue too (and the schedule ticks here).
  const automation = agents ? createAutomation(platform, crm, agents) : undefined;
  platform.log.info(
    { queue: config.jobs.queue, indexing: config.jobs.queue === 'redis', fineTuning: true },
    config.jobs.queue === 'redis'
      ? 'worker started: indexing, training and workflow jobs from Redis (training claimed under a database lease)'
      : 'worker started: fine-tuning jobs only (set JOB_QUEUE=redis to take indexing jobs too)',
  );
  return {
    platform,
    async close() {
      automation?.close();
      agents?.close();
      await ai.close();
      await fineTuning.close();
      await vector.close();
      await platform.close();
    },
  };
}
