// A workspace's lead-conversion or deal-win score for one record, with the factors behind it in words. Two
// kinds: a model trained on the workspace's own decided records (TabularScorer), or, with too little
// history, a stated prior from common sales practice. Either way every factor names the record's own value;
// a trained model's factors are exact TreeSHAP shares of the score and quote the evidence for that value.
import type { Factor, ScorerArtifact, ScorerQuality } from '../../ai/scoring/tabular-scorer.ts';
import { round4, TabularScorer } from '../../ai/scoring/tabular-scorer.ts';
import type { RecordRow } from '../../crm/records/entity-types.ts';
import type { FeatureRow, FeatureValue, ScoredEntityType } from '../../crm/records/features.ts';
import { featureRowOf, type RecordContext } from './workspace-data.ts';

export type Confidence = 'low' | 'medium' | 'high';

export interface ExplainedFactor {
  /** The feature column: a path into the record ("source", "custom.industry", "engagement.activities"). */
  field: string;
  label: string;
  /** The record's own value, as the model read it (null: not set). */
  value: FeatureValue;
  /** For text fields: the word whose mention (or absence) this factor is about. */
  word?: string;
  /** Change in log-odds against the workspace baseline. */
  effect: number;
  direction: 'raises' | 'lowers';
  /** Decided records with the same value (or in the same range) and how many of them had the outcome. */
  evidence: { records: number; rate: number; overallRate: number } | null;
  text: string;
}

export interface ModelInfo {
  kind: ScoredEntityType;
  /** Trained here on the workspace's decided records, a deployed fine-tuned classifier, or the stated prior. */
  basis: 'workspace history' | 'fine-tuned model' | 'prior';
  /** The learned scorer's version; 0 for a fine-tuned model (named in `deployed`). */
  version: number;
  deployed?: { id: string; name: string };
  trainedAt: string;
  quality: ScorerQuality | null;
}

export interface ScoreResult {
  probability: number;
  baseRate: number | null;
  confidence: Confidence;
  confidenceNote: string;
  /** Factors that moved the score, largest first (at most `limit` each way). */
  factors: ExplainedFactor[];
  model: ModelInfo;
}

const NOUNS: Record<ScoredEntityType, { plural: string; verb: string }> = {
  lead: { plural: 'leads', verb: 'converted' },
  deal: { plural: 'deals', verb: 'were won' },
};

/** Effects smaller than this (log-odds) are not worth a line. */
const MIN_EFFECT = 0.02;

export function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

export function displayValue(value: FeatureValue): string {
  if (value === null) return 'not set';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') {
    return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(1);
  }
  return value.length > 60 ? `${value.slice(0, 57)}…` : value;
}

export interface RecordScorer {
  readonly info: ModelInfo;
  score(record: RecordRow, snapshot: RecordContext, asOfMs: number, limit?: number): ScoreResult;
  /** The probability alone, for ranking many records. */
  probability(record: RecordRow, snapshot: RecordContext, asOfMs: number): number;
}

export class TrainedScorer implements RecordScorer {
  readonly info: ModelInfo;
  private readonly scorer: TabularScorer;

  constructor(
    kind: ScoredEntityType,
    readonly artifact: ScorerArtifact,
    version: number,
    trainedAt: string,
    /** The fine-tuning job's model, when a deployed classifier is what scores. */
    deployed?: { id: string; name: string },
  ) {
    this.scorer = TabularScorer.fromArtifact(artifact);
    this.info = deployed
      ? { kind, basis: 'fine-tuned model', version: 0, deployed, trainedAt, quality: artifact.quality }
      : { kind, basis: 'workspace history', version, trainedAt, quality: artifact.quality };
  }

  probability(record: RecordRow, snapshot: RecordContext, asOfMs: number): number {
    if (!this.artifact.quality.hasSignal) return this.artifact.baseRate;
    return this.scorer.probability(featureRowOf(this.info.kind, record, snapshot, asOfMs), asOfMs);
  }

  score(record: RecordRow, snapshot: RecordContext, asOfMs: number, limit = 4): ScoreResult {
    const { quality, baseRate } = this.artifact;
    const nouns = NOUNS[this.info.kind];
    const confidence = confidenceOf(quality);
    if (!quality.hasSignal) {
      // A model that cannot tell outcomes apart on held-out records says so instead of guessing.
      return {
        probability: round4(baseRate),
        baseRate: round4(baseRate),
        confidence: 'low',
        confidenceNote: `This workspace's history does not predict this outcome (held-out ROC AUC ${quality.auc.toFixed(2)} on ${(quality.positives + quality.negatives).toLocaleString('en-US')} decided ${nouns.plural}): the score is the base rate, ${percent(baseRate)} of ${nouns.plural} ${nouns.verb}.`,
        factors: [],
        model: this.info,
      };
    }
    const row = featureRowOf(this.info.kind, record, snapshot, asOfMs);
    const explanation = this.scorer.explain(row, asOfMs);
    const factors = explanation.factors
      .filter((factor) => Math.abs(factor.effect) >= MIN_EFFECT)
      .map((factor) => this.describe(factor, row, baseRate));
    return {
      probability: round4(explanation.probability),
      baseRate: round4(baseRate),
      confidence,
      confidenceNote: confidenceNote(confidence, quality, nouns.plural),
      factors: [
        ...factors.filter((factor) => factor.effect > 0).slice(0, limit),
        ...factors.filter((factor) => factor.effect < 0).slice(0, limit),
      ].sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect)),
      model: this.info,
    };
  }

  private describe(factor: Factor, row: FeatureRow, overallRate: number): ExplainedFactor {
    const nouns = NOUNS[this.info.kind];
    const value = row[factor.column] ?? null;
    const direction = factor.effect > 0 ? 'raises' : 'lowers';
    const evidence = { records: factor.evidence.rows, rate: factor.evidence.rate, overallRate };
    const subject =
      factor.word !== undefined
        ? `${factor.label} ${factor.bin === 'mentioned' ? 'mentions' : 'does not mention'} “${factor.word}”`
        : `${factor.label}: ${displayValue(value)}`;
    // A numeric value is compared with the records in the same range, and the range is said.
    const range =
      value !== null && typeof value === 'number' && factor.word === undefined ? ` (${factor.bin})` : '';
    const text = `${subject} — ${percent(evidence.rate)} of ${evidence.records.toLocaleString('en-US')} ${nouns.plural} like this${range} ${nouns.verb} vs ${percent(overallRate)} overall — ${direction} the odds`;
    return {
      field: factor.column,
      label: factor.label,
      value,
      ...(factor.word !== undefined ? { word: factor.word } : {}),
      effect: round4(factor.effect),
      direction,
      evidence,
      text,
    };
  }
}

export function confidenceOf(quality: ScorerQuality): Confidence {
  const smaller = Math.min(quality.positives, quality.negatives);
  if (!quality.hasSignal) return 'low';
  if (quality.auc >= 0.75 && smaller >= 100) return 'high';
  if (quality.auc >= 0.65 && smaller >= 30) return 'medium';
  return 'low';
}

function confidenceNote(confidence: Confidence, quality: ScorerQuality, plural: string): string {
  const basis = `held-out ROC AUC ${quality.auc.toFixed(2)}, ${quality.positives.toLocaleString('en-US')} positive and ${quality.negatives.toLocaleString('en-US')} negative ${plural}`;
  if (confidence === 'high')
    return `High confidence: the model ranks this workspace's ${plural} well (${basis}).`;
  if (confidence === 'medium') return `Medium confidence: the model has some signal (${basis}).`;
  return `Low confidence: little history or weak signal (${basis}); treat the score as a rough guide.`;
}

/** Prior weights (log-odds) on a record's own values, from common sales practice, for workspaces without history. */
interface PriorRule {
  field: string;
  label: string;
  effect(value: FeatureValue): number;
}

const PRIOR_RULES: Record<ScoredEntityType, { intercept: number; rules: PriorRule[] }> = {
  lead: {
    intercept: -1.2,
    rules: [
      {
        field: 'seniority',
        label: 'Seniority',
        effect: (value) =>
          ({ executive: 0.7, 'vp or director': 0.45, manager: 0.15, individual: -0.2 })[String(value)] ?? 0,
      },
      { field: 'custom.trialStarted', label: 'Trial started', effect: (value) => (value === true ? 0.8 : 0) },
      {
        field: 'engagement.activities',
        label: 'Activities logged',
        effect: (value) => (Number(value) >= 3 ? 0.5 : Number(value) === 0 ? -0.4 : 0),
      },
      { field: 'hasEmail', label: 'Email on file', effect: (value) => (value === false ? -0.3 : 0) },
    ],
  },
  deal: {
    intercept: 0,
    rules: [
      {
        field: 'closeDateSlips',
        label: 'Close-date slips',
        effect: (value) => (Number(value) >= 2 ? -0.7 : Number(value) === 1 ? -0.35 : 0),
      },
      {
        field: 'engagement.activities',
        label: 'Activities logged',
        effect: (value) => (Number(value) >= 3 ? 0.4 : Number(value) === 0 ? -0.4 : 0),
      },
      {
        field: 'contactSeniority',
        label: 'Contact seniority',
        effect: (value) => ({ executive: 0.35, 'vp or director': 0.2 })[String(value)] ?? 0,
      },
    ],
  },
};

export class PriorScorer implements RecordScorer {
  readonly info: ModelInfo;

  constructor(
    private readonly kind: ScoredEntityType,
    private readonly history: { positives: number; negatives: number },
  ) {
    this.info = { kind, basis: 'prior', version: 0, trainedAt: new Date(0).toISOString(), quality: null };
  }

  probability(record: RecordRow, snapshot: RecordContext, asOfMs: number): number {
    return this.score(record, snapshot, asOfMs).probability;
  }

  score(record: RecordRow, snapshot: RecordContext, asOfMs: number, limit = 4): ScoreResult {
    const { intercept, rules } = PRIOR_RULES[this.kind];
    const row = featureRowOf(this.kind, record, snapshot, asOfMs);
    const factors: ExplainedFactor[] = rules
      .map((rule) => ({ rule, value: row[rule.field] ?? null, effect: rule.effect(row[rule.field] ?? null) }))
      .filter(({ effect }) => effect !== 0)
      .map(({ rule, value, effect }) => ({
        field: rule.field,
        label: rule.label,
        value,
        effect,
        direction: effect > 0 ? ('raises' as const) : ('lowers' as const),
        evidence: null,
        text: `${rule.label}: ${displayValue(value)} — ${effect > 0 ? 'raises' : 'lowers'} the odds in common sales practice (no history here yet)`,
      }))
      .sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect))
      .slice(0, 2 * limit);
    const logit = intercept + factors.reduce((sum, factor) => sum + factor.effect, 0);
    const { positives, negatives } = this.history;
    return {
      probability: round4(1 / (1 + Math.exp(-logit))),
      baseRate: null,
      confidence: 'low',
      confidenceNote: `Low confidence: only ${positives} positive and ${negatives} negative decided ${NOUNS[this.kind].plural} so far, too few to learn from; the score follows common sales practice.`,
      factors,
      model: this.info,
    };
  }
}
