// A softmax-regression text classifier over the local embedder's vectors: the artifact a local fine-tuning job
// saves, and the same arithmetic to score a text with it. Training (finetune/jobs/trainers.ts) writes this
// format; the model registry loads it for the agents.
import type { Embedder } from '../embedders/embedder.ts';

export interface ClassifierArtifact {
  kind: 'softmax-regression';
  embedder: string;
  labels: string[];
  weights: number[][];
  bias: number[];
  /** Feature standardisation learnt on the training split. */
  means: number[];
  scales: number[];
  valAccuracy: number;
  majorityBaseline: number;
}

export interface TextClassifier {
  readonly labels: readonly string[];
  /** Probability of each label, in `labels` order. */
  probabilities(text: string): Promise<number[]>;
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Standardises a vector the way training did: per-dimension mean and scale, then 1/√dims so a vector's length
 * is about 1 and learning rates mean the same at any size.
 */
export function standardise(vector: Float32Array, means: ArrayLike<number>, scales: ArrayLike<number>): void {
  const norm = Math.sqrt(vector.length);
  for (let d = 0; d < vector.length; d++) vector[d] = (vector[d]! - means[d]!) / scales[d]! / norm;
}

/** The classifier a saved artifact describes (`file` names it in errors). */
export function textClassifierOf(
  artifact: ClassifierArtifact,
  file: string,
  embedder: Embedder,
): TextClassifier {
  if (artifact.embedder !== embedder.model)
    throw new Error(`${file} was trained on ${artifact.embedder}, not ${embedder.model}`);
  return {
    labels: artifact.labels,
    async probabilities(text) {
      const [vector] = await embedder.embed([text]);
      standardise(vector!, artifact.means, artifact.scales);
      return softmax(
        artifact.weights.map((w, c) =>
          w.reduce((sum, weight, d) => sum + weight * vector![d]!, artifact.bias[c]!),
        ),
      );
    },
  };
}
