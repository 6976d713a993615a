// Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, Ollama, vLLM, TEI): batched, with a deadline per
// call and bounded retries with backoff on 429 and 5xx, honouring Retry-After.
import { postJson, UpstreamError } from '../../platform/json-client.ts';
import { type Embedder, l2Normalize } from './embedder.ts';

export interface OpenAiEmbedderOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  dimensions: number;
  /** Inputs per request; OpenAI accepts up to 2048. */
  batchSize?: number;
  timeoutMs?: number;
  maxRetries?: number;
  /** Sent as `dimensions` for models that can shorten their output (text-embedding-3-*). */
  requestDimensions?: boolean;
  fetch?: typeof fetch;
}

interface EmbeddingsResponse {
  data: { index: number; embedding: number[] }[];
}

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const url = new URL('embeddings', base);
  const batchSize = options.batchSize ?? 256;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 4;
  const doFetch = options.fetch ?? fetch;

  const request = async (input: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> => {
    const body = {
      model: options.model,
      input,
      encoding_format: 'float',
      ...(options.requestDimensions ? { dimensions: options.dimensions } : {}),
    };
    const parsed = await postJson<EmbeddingsResponse>(url, body, {
      apiKey: options.apiKey,
      timeoutMs,
      retries: maxRetries,
      signal,
      fetch: doFetch,
      what: 'embeddings',
    });
    const vectors = new Array<Float32Array>(input.length);
    for (const item of parsed.data) {
      if (item.embedding.length !== options.dimensions) {
        throw new UpstreamError(
          `model ${options.model} returned ${item.embedding.length} dimensions; configured ${options.dimensions}`,
        );
      }
      vectors[item.index] = l2Normalize(Float32Array.from(item.embedding));
    }
    if (vectors.some((vector) => vector === undefined)) {
      throw new UpstreamError('the embeddings response is missing inputs');
    }
    return vectors;
  };

  return {
    model: options.model,
    dimensions: options.dimensions,
    async embed(texts, signal) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        vectors.push(...(await request(texts.slice(start, start + batchSize), signal)));
      }
      return vectors;
    },
  };
}
