// Fine-tuning: job creation latency, dataset build throughput (examples and tokens counted per second, with
// the base model's real tokenizer) on a seeded workspace, and the local classifier's training time and
// validation accuracy against the majority baseline.
// Usage: npm run bench:finetune [-- --size 10000 --jobs 300]
// Prints one JSON line last: {"bench":"finetune","jobCreate":{…},"datasetBuild":{…},"localClassifier":{…}}
import { parseArgs } from 'node:util';
import { recordTrainingData } from '../src/agents/learning/workspace-data.ts';
import { createAi } from '../src/ai/index.ts';
import { createFineTuning } from '../src/finetune/index.ts';
import { localTrainer } from '../src/finetune/jobs/trainers.ts';
import { seededInstance } from './support/seeded-instance.ts';
import { percentile } from './support/stats.ts';

const { values } = parseArgs({
  options: { size: { type: 'string', default: '10000' }, jobs: { type: 'string', default: '300' } },
});
// The benchmark drives jobs itself; a worker would compete for the CPU.
process.env.FINETUNE_WORKER = 'false';

async function main() {
  const instance = await seededInstance('finetune', Number(values.size));
  const { platform, crm, workspaceId } = instance;
  try {
    const fineTuning = createFineTuning(platform, crm, (await createAi(platform)).registry);
    const { datasets, jobs } = fineTuning;
    // The tokenizer loads once per process (about a second); that is start-up, not build throughput.
    await datasets.create(workspaceId, {
      name: 'warm-up',
      type: 'qa',
      baseModel: 'llama-3.1-8b',
      validationSplit: 0.1,
      trainingData: { source: 'workspace', filters: { limit: 10 } },
    });
    let examples = 0;
    let tokens = 0;
    const started = performance.now();
    for (const type of ['chat', 'qa', 'instruction', 'classification'] as const) {
      const dataset = await datasets.create(workspaceId, {
        name: `bench ${type}`,
        type,
        baseModel: type === 'classification' ? 'crm-classifier' : 'llama-3.1-8b',
        validationSplit: 0.25,
        trainingData: { source: 'workspace', filters: { target: 'lead-conversion' } },
      });
      examples += dataset.exampleCount;
      tokens += dataset.tokenCount;
      process.stdout.write(`${type}: ${dataset.exampleCount} examples, ${dataset.tokenCount} tokens\n`);
    }
    const buildSeconds = (performance.now() - started) / 1000;

    const all = await datasets.list(workspaceId);
    const chat = all.find((dataset) => dataset.name === 'bench chat')!;
    const classification = all.find((dataset) => dataset.name === 'bench classification')!;
    const times: number[] = [];
    for (let i = 0; i < Number(values.jobs); i++) {
      const t = performance.now();
      await jobs.create(workspaceId, {
        name: `job ${i}`,
        baseModel: 'llama-3.1-8b',
        method: 'lora',
        provider: 'simulator',
        datasetId: chat.id,
        hyperparameters: { epochs: 3, batchSize: 4, learningRate: 0.0001 },
      });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);

    const rows = await datasets.examples(workspaceId, classification.id);
    const trainStarted = performance.now();
    // As a job runs it: the workspace's leads through the learned scorers' pipeline.
    const result = await localTrainer(recordTrainingData(crm.records)).run({
      job: {
        id: 'bench',
        workspaceId,
        hyperparameters: { epochs: 8, batchSize: 32, learningRate: 0.5 },
      } as never,
      type: 'classification',
      train: rows.filter((row) => row.split === 'train').map((row) => row.example),
      validation: rows.filter((row) => row.split === 'validation').map((row) => row.example),
      resumeAfterStep: 0,
      artifactDirectory: `${instance.dataDir}/models`,
      report: async () => true,
      cancelRequested: async () => false,
      saveProviderRun: async () => {},
    });
    const trainMs = Math.round(performance.now() - trainStarted);
    await fineTuning.close();
    process.stdout.write(
      `${JSON.stringify({
        bench: 'finetune',
        records: Number(values.size),
        jobCreate: { p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), jobs: times.length },
        datasetBuild: {
          examples,
          tokens,
          seconds: Number(buildSeconds.toFixed(2)),
          examplesPerSec: Math.round(examples / buildSeconds),
          tokensPerSec: Math.round(tokens / buildSeconds),
        },
        localClassifier: {
          trainMs,
          trainExamples: rows.filter((row) => row.split === 'train').length,
          valExamples: result?.validationExamples,
          valAccuracy: result?.valAccuracy,
          valAuc: result?.valAuc,
          majorityBaseline: result?.majorityBaseline,
        },
      })}\n`,
    );
  } finally {
    await platform.close();
    instance.remove();
  }
}

await main();
