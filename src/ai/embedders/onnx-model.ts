// A sentence-embedding model from a local directory, in the thread that calls it (transformers.js layout: config.json, tokenizer.json,
// onnx/model.onnx or onnx/model_quantized.onnx), run on CPU with onnxruntime: pooled as the model was trained
// (mean over the attention mask, or the CLS token), L2-normalised, cut at the model's token window.
// Nothing is ever downloaded: remote models are off, so a missing file fails at start, not at first use.
import fs from 'node:fs';
import path from 'node:path';
import { AutoModel, AutoTokenizer, env, type Tensor } from '@huggingface/transformers';
import type { Embedder } from './embedder.ts';
import { l2Normalize } from './embedder.ts';

export type OnnxDtype = 'fp32' | 'q8';

export interface OnnxEmbedderOptions {
  /** Directory holding config.json, tokenizer.json and onnx/model*.onnx. */
  modelPath: string;
  /** `fp32` loads onnx/model.onnx, `q8` onnx/model_quantized.onnx; `auto` (default) fp32 when present. */
  dtype?: OnnxDtype | 'auto';
  batchSize?: number;
  /** Threads onnxruntime uses inside one inference (its default: one per core). */
  threads?: number;
}

/** How the model turns token vectors into one sentence vector, and how many tokens it reads. */
export interface ModelCard {
  id: string;
  pooling: 'mean' | 'cls';
  maxTokens: number;
  dimensions: number;
}

const readJson = (file: string) =>
  fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : undefined;

/**
 * What the directory says about the model: our converter's `crm_ai` block in config.json, else the
 * sentence-transformers files (1_Pooling/config.json, sentence_bert_config.json) a hub download carries,
 * else mean pooling over at most 512 tokens.
 */
export function readModelCard(directory: string): ModelCard {
  const config = readJson(path.join(directory, 'config.json'));
  if (!config) throw new Error(`ONNX embedding model is missing ${path.join(directory, 'config.json')}`);
  if (typeof config.hidden_size !== 'number') throw new Error(`${directory}/config.json has no hidden_size`);
  const ours = config.crm_ai as { id?: string; pooling?: string; max_length?: number } | undefined;
  const pooling = readJson(path.join(directory, '1_Pooling', 'config.json'));
  const sentenceBert = readJson(path.join(directory, 'sentence_bert_config.json'));
  const tokenizer = readJson(path.join(directory, 'tokenizer_config.json'));
  // A model installed by `crm-ai models pull` or `import` is named by its hub id or import name.
  const manifest = readJson(path.join(directory, 'manifest.json'));
  const maxTokens = Math.min(
    512,
    Number(ours?.max_length ?? sentenceBert?.max_seq_length ?? tokenizer?.model_max_length ?? 512),
  );
  return {
    id: ours?.id ? path.basename(ours.id) : String(manifest?.id ?? path.basename(directory)),
    pooling: (ours?.pooling ?? (pooling?.pooling_mode_cls_token ? 'cls' : 'mean')) === 'cls' ? 'cls' : 'mean',
    maxTokens,
    dimensions: config.hidden_size,
  };
}

/** The model in this thread (the worker's side; the server uses createOnnxEmbedder in onnx.ts). */
export async function createOnnxModel(options: OnnxEmbedderOptions): Promise<Embedder> {
  const directory = path.resolve(options.modelPath);
  const card = readModelCard(directory);
  const weights = (dtype: OnnxDtype) =>
    path.join(directory, 'onnx', dtype === 'q8' ? 'model_quantized.onnx' : 'model.onnx');
  const requested = options.dtype ?? 'auto';
  // A directory that ships only the quantized weights (common on the hub) loads as q8.
  const dtype: OnnxDtype =
    requested === 'auto' ? (fs.existsSync(weights('fp32')) ? 'fp32' : 'q8') : requested;
  for (const required of [path.join(directory, 'tokenizer.json'), weights(dtype)]) {
    if (!fs.existsSync(required)) throw new Error(`ONNX embedding model is missing ${required}`);
  }

  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  // An absolute path is not a hub id, so transformers.js reads it as a directory (no global model root).
  const tokenizer = await AutoTokenizer.from_pretrained(directory);
  const model = await AutoModel.from_pretrained(directory, {
    dtype,
    ...(options.threads
      ? { session_options: { intraOpNumThreads: options.threads, interOpNumThreads: 1 } }
      : {}),
  });
  const batchSize = options.batchSize ?? 32;

  return {
    model: `onnx:${card.id}:${dtype}`,
    dimensions: card.dimensions,
    maxTokens: card.maxTokens,
    async embed(texts) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize);
        // Longer texts are cut at the model's window (the indexer chunks documents so that little is cut).
        const inputs = await tokenizer([...batch], {
          padding: true,
          truncation: true,
          max_length: card.maxTokens,
        });
        const { last_hidden_state: hidden } = (await model(inputs)) as { last_hidden_state: Tensor };
        vectors.push(...pool(hidden, inputs.attention_mask as Tensor, card.pooling));
      }
      return vectors;
    },
  };
}

/** One L2-normalised vector per row: the mean of the token vectors under the attention mask, or the first (CLS). */
function pool(hidden: Tensor, mask: Tensor, pooling: ModelCard['pooling']): Float32Array[] {
  const [rows, tokens, width] = hidden.dims as [number, number, number];
  const data = hidden.data as Float32Array;
  const attention = mask.data as BigInt64Array;
  const vectors: Float32Array[] = [];
  for (let row = 0; row < rows; row++) {
    const vector = new Float32Array(width);
    if (pooling === 'cls') {
      vector.set(data.subarray(row * tokens * width, row * tokens * width + width));
    } else {
      let count = 0;
      for (let token = 0; token < tokens; token++) {
        if (attention[row * tokens + token] === 0n) continue;
        count++;
        const offset = (row * tokens + token) * width;
        for (let d = 0; d < width; d++) vector[d]! += data[offset + d]!;
      }
      for (let d = 0; d < width; d++) vector[d]! /= Math.max(1, count);
    }
    vectors.push(l2Normalize(vector));
  }
  return vectors;
}
