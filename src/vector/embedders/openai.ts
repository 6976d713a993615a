// Any OpenAI-compatible /v1/embeddings endpoint (OpenAI, Ollama, vLLM, TEI): batched, with a deadline per
// call and bounded retries with backoff on 429 and 5xx, honouring Retry-After.
import { backoffMs, isRetryableStatus, retryAfterMs, withRetries } from '../../platform/retry.ts';
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
    /** Whether another attempt may succeed: the network failed, or the server was busy or broken. */
    readonly retryable = false,
    readonly retryAfterMs?: number,
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
    const attempt = async (): Promise<Float32Array[]> => {
      let response: Response;
      try {
        const deadline = AbortSignal.timeout(timeoutMs);
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
        throw new EmbeddingProviderError(
          `embeddings request failed: ${(error as Error).message}`,
          undefined,
          !signal?.aborted,
        );
      }
      if (!response.ok) {
        const detail = await response.text().catch(() => '');
        throw new EmbeddingProviderError(
          `embeddings request failed with ${response.status}: ${detail.slice(0, 300)}`,
          response.status,
          isRetryableStatus(response.status),
          retryAfterMs(response.headers),
        );
      }
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
    };
    return withRetries(
      attempt,
      (error, attemptNumber) =>
        error instanceof EmbeddingProviderError && error.retryable
          ? (error.retryAfterMs ?? backoffMs(attemptNumber))
          : undefined,
      { retries: maxRetries, signal },
    );
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
