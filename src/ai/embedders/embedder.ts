// What every embedding provider offers: a named vector space and a batch embed call.

export interface Embedder {
  /** Identifies the vector space; stored with every vector, so a change of model is detected, never mixed. */
  readonly model: string;
  readonly dimensions: number;
  /** The longest input the model reads, in tokens; longer text is cut (unset: no limit that matters). */
  readonly maxTokens?: number;
  /** Releases what the embedder holds (a model's worker thread). */
  close?(): Promise<void>;
  /** One L2-normalised vector per text, in order. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
  return vector;
}
