// The configured embedder, one line per provider. The ONNX runtime (~150-190 ms to import) is loaded only
// when an ONNX model is configured.
import type { Config } from '../../config.ts';
import type { Embedder } from './embedder.ts';
import { createLocalEmbedder } from './local.ts';
import { createOpenAiEmbedder } from './openai.ts';

export async function createEmbedder(config: Config['embedding']): Promise<Embedder> {
  switch (config.provider) {
    case 'local':
      return createLocalEmbedder({ dimensions: config.dimensions });
    case 'onnx': {
      const { createOnnxEmbedder } = await import('./onnx.ts');
      return createOnnxEmbedder({ modelPath: config.modelPath });
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
