// Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, Ollama, vLLM, TEI): batched, with a deadline per
// call and bounded retries with backoff on 429 and 5xx, honouring Retry-After.
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

export class EmbeddingProviderError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EmbeddingProviderError';
  }
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
    const body = JSON.stringify({
      model: options.model,
      input,
      encoding_format: 'float',
      ...(options.requestDimensions ? { dimensions: options.dimensions } : {}),
    });
    for (let attempt = 0; ; attempt++) {
      const deadline = AbortSignal.timeout(timeoutMs);
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
          },
          body,
          signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        });
      } catch (error) {
        if (signal?.aborted || attempt >= maxRetries) {
          throw new EmbeddingProviderError(`embeddings request failed: ${(error as Error).message}`);
        }
        await sleep(backoffMs(attempt));
        continue;
      }
      if (response.ok) {
        const parsed = (await response.json()) as EmbeddingsResponse;
        const vectors = new Array<Float32Array>(input.length);
        for (const item of parsed.data) {
          if (item.embedding.length !== options.dimensions) {
            throw new EmbeddingProviderError(
              `model ${options.model} returned ${item.embedding.length} dimensions; configured ${options.dimensions}`,
            );
          }
          vectors[item.index] = l2Normalize(Float32Array.from(item.embedding));
        }
        if (vectors.some((vector) => vector === undefined)) {
          throw new EmbeddingProviderError('the embeddings response is missing inputs');
        }
        return vectors;
      }
      const retryable = response.status === 429 || response.status >= 500;
      const detail = await response.text().catch(() => '');
      if (!retryable || attempt >= maxRetries) {
        throw new EmbeddingProviderError(
          `embeddings request failed with ${response.status}: ${detail.slice(0, 300)}`,
          response.status,
        );
      }
      await sleep(retryAfterMs(response.headers) ?? backoffMs(attempt));
    }
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

/** Exponential backoff with full jitter, capped at 8 s. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(8000, 250 * 2 ** attempt);
}

function retryAfterMs(headers: Headers): number | undefined {
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds && Number.isFinite(Number(milliseconds))) return Number(milliseconds);
  const seconds = headers.get('retry-after');
  if (seconds && Number.isFinite(Number(seconds))) return Number(seconds) * 1000;
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
