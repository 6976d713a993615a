// What runs a job. `local` really trains: for datasets of the workspace's leads or deals, the learned scorers'
// model over the records' fields (record-trainer.ts); otherwise a softmax regression over the local embedder's
// vectors of each example's text, by mini-batch gradient descent, with the training loss per step and the
// validation loss and accuracy per epoch, saved as a JSON artifact. `simulator` stands in for a hosted GPU run
// in development: a plausible loss curve at a steady pace, marked simulated everywhere.
import fs from 'node:fs';
import path from 'node:path';
import { createLocalEmbedder } from '../../ai/embedders/local.ts';
import { type ClassifierArtifact, softmax, standardise } from '../../ai/scoring/text-classifier.ts';
import type { AnyExample, DatasetType } from '../datasets/examples.ts';
import type { ProviderRun } from '../providers/provider.ts';
import type { Job, Metric } from './job.ts';
import { type RecordTrainingData, recordTypeOf, trainRecordClassifier } from './record-trainer.ts';

export interface TrainingContext {
  job: Job;
  type: DatasetType;
  train: AnyExample[];
  validation: AnyExample[];
  /** The last step already recorded (a resumed job continues after it). */
  resumeAfterStep: number;
  artifactDirectory: string;
  /** Records progress; answers false when the job must stop (cancelled, or another worker took it over). */
  report(step: number, totalSteps: number, metric?: Omit<Metric, 'at'>): Promise<boolean>;
  /** Whether someone asked to cancel the job (as against this worker stopping). */
  cancelRequested(): Promise<boolean>;
  /** Stores a hosted run's handles on the job, so whoever resumes it finds the same run. */
  saveProviderRun(run: ProviderRun): Promise<void>;
}

export interface Trainer {
  run(context: TrainingContext): Promise<Record<string, unknown> | undefined>;
}

export class StopTraining extends Error {}

/** Writes a job's model as `<job id>.json` in the artifact directory, whole or not at all; returns its path. */
export function saveArtifact(context: TrainingContext, artifact: unknown): string {
  fs.mkdirSync(context.artifactDirectory, { recursive: true });
  const file = path.join(context.artifactDirectory, `${context.job.id}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(artifact));
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

export function simulatorTrainer(stepMs: number, maxSteps = 200): Trainer {
  return {
    async run(context) {
      const { hyperparameters } = context.job;
      const perEpoch = Math.max(1, Math.ceil(context.train.length / hyperparameters.batchSize));
      const total = Math.min(maxSteps, perEpoch * hyperparameters.epochs);
      const stepsPerEpoch = total / hyperparameters.epochs;
      let seed = [...context.job.id].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) >>> 0, 7);
      const noise = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x7fffffff - 0.5;
      };
      const start = 2.2 + noise() * 0.4;
      const floor = 0.6 + noise() * 0.2;
      for (let step = context.resumeAfterStep + 1; step <= total; step++) {
        await new Promise((resolve) => setTimeout(resolve, stepMs));
        const progress = step / total;
        const loss = floor + (start - floor) * Math.exp(-4 * progress) + noise() * 0.05;
        const epochEnd = Math.abs(step / stepsPerEpoch - Math.round(step / stepsPerEpoch)) < 1e-9;
        const keepGoing = await context.report(step, total, {
          step,
          epoch: Number((step / stepsPerEpoch).toFixed(3)),
          loss: Number(loss.toFixed(4)),
          evalLoss: epochEnd ? Number((loss + 0.08 + noise() * 0.03).toFixed(4)) : null,
          learningRate: hyperparameters.learningRate * (1 - progress),
          accuracy: null,
        });
        if (!keepGoing) throw new StopTraining();
      }
      return {
        simulated: true,
        modelName: `simulated/${context.job.baseModel}-${context.job.id.slice(0, 8)}`,
      };
    },
  };
}

const WEIGHT_DECAY = 0.01;

/**
 * A dataset built from the workspace's leads or deals trains the learned scorers' model on those records
 * (record-trainer.ts); any other classification dataset (uploaded text and labels) trains the text classifier.
 */
export function localTrainer(readRecords?: RecordTrainingData): Trainer {
  return {
    async run(context) {
      if (context.type !== 'classification')
        throw new Error('the local trainer learns classification datasets only');
      const recordType = readRecords ? recordTypeOf(context.train) : undefined;
      if (recordType && readRecords) return trainRecordClassifier(context, recordType, readRecords);
      const embedder = createLocalEmbedder();
      const read = (examples: AnyExample[]) => examples as { text: string; label: string }[];
      const train = read(context.train);
      const validation = read(context.validation.length > 0 ? context.validation : context.train);
      const labels = [...new Set(train.map((example) => example.label))].sort();
      const x = await embedder.embed(train.map((example) => example.text));
      const y = train.map((example) => labels.indexOf(example.label));
      const xv = await embedder.embed(validation.map((example) => example.text));
      const yv = validation.map((example) => labels.indexOf(example.label));
      const dims = embedder.dimensions;
      // Standardised features: hashed lexical vectors have tiny, unevenly spread entries.
      const means = new Float64Array(dims);
      const scales = new Float64Array(dims);
      for (const vector of x) for (let d = 0; d < dims; d++) means[d]! += vector[d]! / x.length;
      for (const vector of x)
        for (let d = 0; d < dims; d++) scales[d]! += (vector[d]! - means[d]!) ** 2 / x.length;
      for (let d = 0; d < dims; d++) scales[d] = Math.sqrt(scales[d]!) || 1;
      for (const vector of [...x, ...xv]) standardise(vector, means, scales);
      const k = labels.length;
      const weights = Array.from({ length: k }, () => new Float64Array(dims));
      const bias = new Float64Array(k);
      const { epochs, batchSize, learningRate } = context.job.hyperparameters;
      const perEpoch = Math.ceil(x.length / batchSize);
      const total = perEpoch * epochs;
      // Deterministic order per epoch: a resumed job repeats exactly what it would have done.
      let seed = 12345;
      const shuffle = (items: number[]) => {
        for (let i = items.length - 1; i > 0; i--) {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          const j = seed % (i + 1);
          [items[i], items[j]] = [items[j]!, items[i]!];
        }
        return items;
      };
      const probabilities = (vector: Float32Array) =>
        softmax(
          weights.map((w, c) => {
            let z = bias[c]!;
            for (let d = 0; d < dims; d++) z += w[d]! * vector[d]!;
            return z;
          }),
        );
      const evaluate = () => {
        let loss = 0;
        let correct = 0;
        xv.forEach((vector, i) => {
          const p = probabilities(vector);
          loss -= Math.log(Math.max(1e-12, p[yv[i]!] ?? 1e-12));
          if (p.indexOf(Math.max(...p)) === yv[i]) correct++;
        });
        return { loss: loss / xv.length, accuracy: correct / xv.length };
      };
      let step = 0;
      let last = evaluate();
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const order = shuffle(x.map((_, i) => i));
        for (let start = 0; start < order.length; start += batchSize) {
          step++;
          const batch = order.slice(start, start + batchSize);
          const gradW = Array.from({ length: k }, () => new Float64Array(dims));
          const gradB = new Float64Array(k);
          let loss = 0;
          for (const i of batch) {
            const p = probabilities(x[i]!);
            loss -= Math.log(Math.max(1e-12, p[y[i]!]!));
            for (let c = 0; c < k; c++) {
              const error = p[c]! - (c === y[i] ? 1 : 0);
              gradB[c]! += error;
              const row = gradW[c]!;
              for (let d = 0; d < dims; d++) row[d]! += error * x[i]![d]!;
            }
          }
          // L2 weight decay: hundreds of hashed features against a few hundred examples overfit without it.
          for (let c = 0; c < k; c++) {
            bias[c]! -= (learningRate * gradB[c]!) / batch.length;
            const row = weights[c]!;
            for (let d = 0; d < dims; d++)
              row[d]! -= learningRate * (gradW[c]![d]! / batch.length + WEIGHT_DECAY * row[d]!);
          }
          const epochEnd = start + batchSize >= order.length;
          if (epochEnd) last = evaluate();
          if (step <= context.resumeAfterStep) continue;
          const keepGoing = await context.report(step, total, {
            step,
            epoch: Number((step / perEpoch).toFixed(3)),
            loss: Number((loss / batch.length).toFixed(5)),
            evalLoss: epochEnd ? Number(last.loss.toFixed(5)) : null,
            learningRate,
            accuracy: epochEnd ? Number(last.accuracy.toFixed(4)) : null,
          });
          if (!keepGoing) throw new StopTraining();
        }
      }
      const counts = labels.map((_, c) => yv.filter((label) => label === c).length);
      const artifact: ClassifierArtifact = {
        kind: 'softmax-regression',
        embedder: embedder.model,
        labels,
        weights: weights.map((w) => Array.from(w, (v) => Number(v.toFixed(6)))),
        bias: Array.from(bias),
        means: Array.from(means, (v) => Number(v.toFixed(6))),
        scales: Array.from(scales, (v) => Number(v.toFixed(6))),
        valAccuracy: Number(last.accuracy.toFixed(4)),
        majorityBaseline: Number((Math.max(...counts) / Math.max(1, yv.length)).toFixed(4)),
      };
      const file = saveArtifact(context, artifact);
      return {
        artifact: file,
        labels,
        valAccuracy: artifact.valAccuracy,
        majorityBaseline: artifact.majorityBaseline,
        validationExamples: yv.length,
        modelName: `local/${context.job.id.slice(0, 8)}`,
      };
    },
  };
}
