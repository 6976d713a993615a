// What the lead and deal agents share in their answers about a score: its confidence, the factors behind
// it, which model produced it and that model's measured quality.
import { z } from 'zod';
import type { ScoreResult } from '../learning/scorer.ts';

const scoreFactorSchema = z.object({
  field: z.string(),
  label: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  word: z.string().optional(),
  effect: z.number(),
  direction: z.enum(['raises', 'lowers']),
  evidence: z.object({ records: z.number().int(), rate: z.number(), overallRate: z.number() }).nullable(),
  text: z.string(),
});

const scoringModelSchema = z.object({
  basis: z.enum(['workspace history', 'fine-tuned model', 'prior']),
  version: z.number().int(),
  trainedAt: z.string(),
  positives: z.number().int(),
  negatives: z.number().int(),
  auc: z.number().nullable(),
  /** The fine-tuning job whose deployed classifier produced the score (basis "fine-tuned model"). */
  deployed: z.object({ id: z.string(), name: z.string() }).optional(),
});

/** The score fields of an agent's output schema. */
export const scoreAnswerShape = {
  confidence: z.enum(['low', 'medium', 'high']),
  confidenceNote: z.string(),
  factors: z.array(scoreFactorSchema),
  /** Which model produced the score shown. */
  scoredBy: z.string(),
  model: scoringModelSchema,
};

export function modelSummary(result: ScoreResult): z.infer<typeof scoringModelSchema> {
  const { model } = result;
  return {
    basis: model.basis,
    version: model.version,
    trainedAt: model.trainedAt,
    positives: model.quality?.positives ?? 0,
    negatives: model.quality?.negatives ?? 0,
    auc: model.quality?.auc ?? null,
    ...(model.deployed ? { deployed: model.deployed } : {}),
  };
}

export function scoredByOf(result: ScoreResult, noun: string): string {
  const { model } = result;
  if (model.basis === 'prior')
    return `Prior from common sales practice (too few decided ${noun} to train on)`;
  if (model.deployed)
    return `Fine-tuned model ${model.deployed.name} (deployed; same features as the workspace ${noun} model), trained ${model.trainedAt.slice(0, 10)}`;
  return `Workspace ${noun} model v${model.version}, trained ${model.trainedAt.slice(0, 10)}`;
}
