// `crm-ai models pull | import | list`: embedding models in DATA_DIR/models/embedding, with a progress bar for
// downloads. `EMBEDDING_PROVIDER=auto` (the default) serves the pulled default model; another one is chosen
// with EMBEDDING_MODEL_PATH=<its directory>, as `models list` prints it.
import { SingleBar } from 'cli-progress';
import type { Config } from '../../config.ts';
import { pullModel } from './hub.ts';
import { type InstalledModel, ModelStore } from './model-store.ts';

export async function pullFromCli(
  config: Config,
  id: string,
  options: { dtype?: 'fp32' | 'q8'; progress: boolean },
): Promise<InstalledModel> {
  const bar = options.progress
    ? new SingleBar({ format: `${id} {bar} {percentage}% | {value}/{total} MB | {file}`, hideCursor: true })
    : undefined;
  let started = false;
  try {
    return await pullModel(new ModelStore(config.dataDir), id, {
      endpoint: config.models.hubEndpoint,
      token: config.models.hubToken,
      dtype: options.dtype,
      onProgress: (received, total, file) => {
        const mb = (bytes: number) => Number((bytes / 1e6).toFixed(1));
        if (!started) bar?.start(mb(total), 0, { file });
        started = true;
        bar?.update(mb(received), { file });
      },
    });
  } finally {
    bar?.stop();
  }
}

export function importFromCli(config: Config, directory: string, id?: string): Promise<InstalledModel> {
  return new ModelStore(config.dataDir).import(directory, id);
}

export function listModels(config: Config) {
  return new ModelStore(config.dataDir).list().map((model) => ({
    id: model.id,
    source: model.source,
    dimensions: model.dimensions,
    pooling: model.pooling,
    maxTokens: model.maxTokens,
    dtypes: model.dtypes,
    megabytes: Number((model.files.reduce((sum, file) => sum + file.bytes, 0) / 1e6).toFixed(1)),
    directory: model.directory,
  }));
}
