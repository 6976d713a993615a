// Runs a job on a hosted provider: uploads the dataset in the provider's JSONL shape, starts the run, then
// polls it, recording each metric the provider logged and renewing the job's lease. Every handle is saved
// on the job as soon as it exists, so a worker that takes over after a crash polls the same run rather than
// paying for a second one. A cancel is passed on to the provider.
import { sleep } from '../../platform/retry.ts';
import { findBaseModel } from '../catalog.ts';
import { type AnyExample, type DatasetType, exportLine } from '../datasets/examples.ts';
import type { ProviderRun, RunStatus, TrainingProvider } from '../providers/provider.ts';
import { StopTraining, type Trainer } from './trainers.ts';

export function hostedTrainer(provider: TrainingProvider, pollMs: number): Trainer {
  const jsonl = (type: DatasetType, examples: readonly AnyExample[]) =>
    examples.map((example) => `${JSON.stringify(exportLine(type, example, provider.format))}\n`).join('');

  return {
    async run(context) {
      const { job } = context;
      const run: ProviderRun = { ...job.providerRun };
      const save = () => context.saveProviderRun({ ...run });
      if (!run.runId) {
        run.trainingFile ??= await provider.uploadFile(
          `${job.id}-train.jsonl`,
          jsonl(context.type, context.train),
        );
        await save();
        if (context.validation.length > 0 && !run.validationFile) {
          run.validationFile = await provider.uploadFile(
            `${job.id}-validation.jsonl`,
            jsonl(context.type, context.validation),
          );
          await save();
        }
        run.runId = await provider.startRun({
          model: findBaseModel(job.baseModel)!.providerModels[provider.name]!,
          method: job.method,
          hyperparameters: job.hyperparameters,
          suffix: `crm-${job.id.slice(0, 8)}`,
          trainingFile: run.trainingFile,
          validationFile: run.validationFile,
        });
        await save();
      }

      let lastStep = context.resumeAfterStep;
      let totalSteps = job.totalSteps;
      for (;;) {
        const status: RunStatus = await provider.status(run.runId, lastStep);
        // Not every poll says how long the run is (OpenAI's only in fresh metric events).
        totalSteps = status.totalSteps ?? totalSteps;
        if (status.providerStatus !== run.providerStatus) {
          run.providerStatus = status.providerStatus;
          await save();
        }
        let keepGoing = true;
        for (const metric of status.metrics) {
          keepGoing = await context.report(metric.step, totalSteps, {
            ...metric,
            accuracy: null,
          });
          lastStep = metric.step;
        }
        // Polls without news still renew the lease and look for a cancel.
        if (status.metrics.length === 0) keepGoing = await context.report(lastStep, totalSteps);

        if (status.state === 'succeeded') {
          return {
            modelName: status.resultModel,
            provider: provider.name,
            providerRunId: run.runId,
            trainedTokens: status.trainedTokens,
            costUsd: status.costUsd,
          };
        }
        if (status.state === 'failed') throw new Error(status.error ?? `${provider.name} reported a failure`);
        if (status.state === 'cancelled') {
          if (await context.cancelRequested()) throw new StopTraining();
          throw new Error(`the run was cancelled at ${provider.name}, not from here`);
        }
        if (!keepGoing) {
          if (await context.cancelRequested()) await provider.cancel(run.runId);
          throw new StopTraining();
        }
        await sleep(pollMs);
      }
    },
  };
}
