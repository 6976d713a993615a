// `crm-ai datasets create`: builds a fine-tuning dataset from a workspace's records with a progress bar
// (reading records, counting tokens, storing), and prints the dataset's summary.
import { MultiBar, Presets } from 'cli-progress';
import type { Crm } from '../crm/index.ts';
import type { Platform } from '../platform/index.ts';
import { workspaceFiltersSchema } from './datasets/builders.ts';
import { type DatasetType, datasetTypes } from './datasets/examples.ts';
import { createDatasets } from './index.ts';

export interface DatasetCliOptions {
  workspace: string;
  name: string;
  type: string;
  baseModel: string;
  /** JSON, as typed on the command line. */
  filters?: string;
  progress: boolean;
}

export async function createDatasetFromCli(platform: Platform, crm: Crm, options: DatasetCliOptions) {
  if (!(datasetTypes as readonly string[]).includes(options.type)) {
    throw new Error(`--type must be one of ${datasetTypes.join(', ')}`);
  }
  const filters = workspaceFiltersSchema.parse(options.filters ? JSON.parse(options.filters) : {});
  const workspace = await crm.identity.findWorkspaceBySlug(options.workspace);
  if (!workspace) throw new Error(`no workspace ${options.workspace}`);
  const bars = options.progress
    ? new MultiBar({ format: '{stage} {bar} {value}', hideCursor: true }, Presets.shades_classic)
    : undefined;
  const stages = new Map<string, ReturnType<MultiBar['create']>>();
  const { datasets } = createDatasets(platform, crm);
  const dataset = await datasets.create(
    workspace.id,
    {
      name: options.name,
      type: options.type as DatasetType,
      baseModel: options.baseModel,
      validationSplit: 0.1,
      trainingData: { source: 'workspace', filters },
    },
    undefined,
    (stage, done) => {
      let bar = stages.get(stage);
      if (!bar && bars) {
        bar = bars.create(0, 0, { stage: stage.padEnd(16) });
        stages.set(stage, bar);
      }
      bar?.setTotal(Math.max(done, bar.getTotal()));
      bar?.update(done);
    },
  );
  bars?.stop();
  const { quality, providerChecks, ...summary } = dataset;
  return {
    ...summary,
    qualityScore: quality.score,
    issues: quality.issues.map((issue) => `${issue.code} ×${issue.count}`),
    validFor: providerChecks.filter((check) => check.valid).map((check) => check.provider),
  };
}
