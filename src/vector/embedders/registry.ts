// The configured embedder, one file per provider: a provider is one line here.
import type { Config } from '../../config.ts';
import type { Embedder } from './embedder.ts';
import { createLocalEmbedder } from './local.ts';
import { createOnnxEmbedder } from './onnx.ts';
import { createOpenAiEmbedder } from './openai.ts';

export async function createEmbedder(config: Config['embedding']): Promise<Embedder> {
  switch (config.provider) {
    case 'local':
      return createLocalEmbedder({ dimensions: config.dimensions });
    case 'onnx':
      return createOnnxEmbedder({ modelPath: config.modelPath });
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
