// EMBEDDING_PROVIDER=auto (the default), like Chroma's default embedding function: real semantic search when
// it can be had. In order: a model directory named by EMBEDDING_MODEL_PATH; the default model
// (EMBEDDING_DEFAULT_MODEL) once pulled into DATA_DIR/models; OpenAI's text-embedding-3-small when
// OPENAI_API_KEY is set; else the local lexical embedder, with an `upgrade` that downloads the default model
// (the caller runs it in the background and switches over when it is ready).
import type { Config } from '../../config.ts';
import type { Logger } from '../../platform/logger.ts';
import { pullModel } from '../models/hub.ts';
import type { ModelStore } from '../models/model-store.ts';
import type { Embedder } from './embedder.ts';
import { createEmbedder } from './index.ts';

export interface ChosenEmbedder {
  embedder: Embedder;
  /** Why this one, for the log. */
  because: string;
  /** Downloads the default model and loads it, when the local embedder stands in for it. */
  upgrade?: (signal: AbortSignal) => Promise<Embedder>;
}

export async function chooseEmbedder(
  config: Config,
  store: ModelStore,
  log: Logger,
): Promise<ChosenEmbedder> {
  const embedding = config.embedding;
  if (embedding.provider !== 'auto')
    return { embedder: await createEmbedder(embedding), because: `EMBEDDING_PROVIDER=${embedding.provider}` };
  const installed = store.find(embedding.defaultModel);
  if (installed)
    return {
      embedder: await createEmbedder({
        provider: 'onnx',
        modelPath: installed.directory,
        dtype: embedding.dtype,
      }),
      because: `the pulled default model ${installed.id}`,
    };
  if (embedding.openai)
    return {
      embedder: await createEmbedder({ provider: 'openai', ...embedding.openai }),
      because: 'OPENAI_API_KEY is set',
    };
  return {
    embedder: await createEmbedder({ provider: 'local', dimensions: embedding.dimensions }),
    because: `no embedding model is installed yet (${embedding.defaultModel})`,
    upgrade: async (signal) => {
      let logged = 0;
      const model = await pullModel(store, embedding.defaultModel, {
        endpoint: config.models.hubEndpoint,
        token: config.models.hubToken,
        dtype: embedding.dtype === 'q8' ? 'q8' : undefined,
        signal,
        onProgress: (received, total) => {
          const percent = Math.floor((received / total) * 100);
          if (percent >= logged + 25 || received === total) {
            logged = percent;
            log.info({ model: embedding.defaultModel, percent }, 'downloading the default embedding model');
          }
        },
      });
      return createEmbedder({ provider: 'onnx', modelPath: model.directory, dtype: embedding.dtype });
    },
  };
}
