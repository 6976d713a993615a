// The configured embedder, one line per provider. The ONNX runtime (~150-190 ms to import) is loaded only
// when an ONNX model is used.
import type { Config } from '../../config.ts';
import type { Embedder } from './embedder.ts';
import { createLocalEmbedder } from './local.ts';
import { createOpenAiEmbedder } from './openai.ts';

/** A provider that names one embedder (`auto` is resolved to one of these at start, see auto.ts). */
export type EmbedderConfig = Exclude<Config['embedding'], { provider: 'auto' }>;

export async function createEmbedder(config: EmbedderConfig): Promise<Embedder> {
  switch (config.provider) {
    case 'local':
      return createLocalEmbedder({ dimensions: config.dimensions });
    case 'onnx': {
      const { createOnnxEmbedder } = await import('./onnx.ts');
      return createOnnxEmbedder({ modelPath: config.modelPath, dtype: config.dtype });
    }
    case 'openai':
      return createOpenAiEmbedder({
        baseUrl: config.baseUrl,
        apiKey: config.apiKey,
        model: config.model,
        dimensions: config.dimensions,
        requestDimensions: config.model.startsWith('text-embedding-3'),
      });
  }
}
