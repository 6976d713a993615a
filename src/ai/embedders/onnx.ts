// A sentence-embedding model from a local directory (transformers.js layout: config.json, tokenizer.json,
// onnx/model.onnx), run on CPU with onnxruntime: mean pooling over the attention mask, L2-normalised.
// Nothing is ever downloaded: remote models are off, so a missing file fails at start, not at first use.
import fs from 'node:fs';
import path from 'node:path';
import { env, type FeatureExtractionPipeline, pipeline } from '@huggingface/transformers';
import type { Embedder } from './embedder.ts';

export interface OnnxEmbedderOptions {
  /** Directory holding config.json, tokenizer.json and onnx/model*.onnx. */
  modelPath: string;
  /** `fp32` loads onnx/model.onnx, `q8` onnx/model_quantized.onnx. */
  dtype?: 'fp32' | 'q8';
  batchSize?: number;
}

export async function createOnnxEmbedder(options: OnnxEmbedderOptions): Promise<Embedder> {
  const directory = path.resolve(options.modelPath);
  const dtype = options.dtype ?? 'fp32';
  const weights = path.join(directory, 'onnx', dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx');
  for (const required of [
    path.join(directory, 'config.json'),
    path.join(directory, 'tokenizer.json'),
    weights,
  ]) {
    if (!fs.existsSync(required)) throw new Error(`ONNX embedding model is missing ${required}`);
  }
  const config = JSON.parse(fs.readFileSync(path.join(directory, 'config.json'), 'utf8')) as {
    hidden_size?: number;
  };
  if (!config.hidden_size) throw new Error(`${directory}/config.json has no hidden_size`);

  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${path.dirname(directory)}${path.sep}`;
  const extractor = (await pipeline('feature-extraction', path.basename(directory), {
    dtype,
  })) as FeatureExtractionPipeline;
  const batchSize = options.batchSize ?? 32;

  return {
    model: `onnx:${path.basename(directory)}:${dtype}`,
    dimensions: config.hidden_size,
    async embed(texts) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize);
        const output = await extractor([...batch], { pooling: 'mean', normalize: true });
        const data = output.data as Float32Array;
        const width = output.dims[1]!;
        for (let row = 0; row < batch.length; row++) vectors.push(data.slice(row * width, (row + 1) * width));
      }
      return vectors;
    },
  };
}
