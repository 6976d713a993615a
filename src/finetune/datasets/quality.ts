// A dataset's quality report: duplicates, empty or very short examples, length outliers, label balance
// (classification) and personal data (emails, phone numbers), each with a count and the first example
// numbers, folded into a 0–100 score. The score is a guide: 100 means no issue was found.

import { TimeSlicer } from '../../platform/time-slicer.ts';
import type { DatasetType } from './examples.ts';

export interface MeasuredExample {
  input: string;
  output: string;
  tokens: number;
  label?: string;
}

export interface QualityIssue {
  code:
    | 'DUPLICATES'
    | 'EMPTY_OR_SHORT'
    | 'LENGTH_OUTLIERS'
    | 'LABEL_IMBALANCE'
    | 'PERSONAL_DATA'
    | 'OVER_CONTEXT';
  message: string;
  count: number;
  /** 1-based example numbers, the first few. */
  examples: number[];
}

export interface QualityReport {
  score: number;
  issues: QualityIssue[];
  tokens: { total: number; mean: number; p95: number; max: number };
  labels?: Record<string, number>;
}

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/;
const PHONE = /(?:\+?\d[\s().-]?){9,}\d/;
const SHORT_OUTPUT_CHARS = 3;
/** Penalty weight per issue, applied to the share of examples it touches. */
const WEIGHTS: Record<QualityIssue['code'], number> = {
  DUPLICATES: 40,
  EMPTY_OR_SHORT: 60,
  LENGTH_OUTLIERS: 20,
  LABEL_IMBALANCE: 30,
  PERSONAL_DATA: 15,
  OVER_CONTEXT: 60,
};

/** Async because the per-example passes yield to the event loop on large datasets (see TimeSlicer). */
export async function assessQuality(
  type: DatasetType,
  examples: readonly MeasuredExample[],
  contextTokens: number,
): Promise<QualityReport> {
  const slicer = new TimeSlicer();
  const issues: QualityIssue[] = [];
  const penalties: number[] = [];
  const add = (
    code: QualityIssue['code'],
    message: string,
    indices: number[],
    share = indices.length / Math.max(1, examples.length),
  ) => {
    if (indices.length === 0) return;
    issues.push({ code, message, count: indices.length, examples: indices.slice(0, 10).map((i) => i + 1) });
    penalties.push(WEIGHTS[code] * Math.min(1, share));
  };

  const seen = new Map<string, number>();
  const duplicates: number[] = [];
  for (const [i, example] of examples.entries()) {
    await slicer.maybeYield();
    const key = `${example.input.trim().toLowerCase()}\u0000${example.output.trim().toLowerCase()}`;
    if (seen.has(key)) duplicates.push(i);
    else seen.set(key, i);
  }
  add('DUPLICATES', 'examples repeat an earlier one exactly (case and spacing aside)', duplicates);

  const short = examples.flatMap((example, i) =>
    example.output.trim().length < SHORT_OUTPUT_CHARS ||
    (type !== 'completion' && example.input.trim().length === 0)
      ? [i]
      : [],
  );
  add(
    'EMPTY_OR_SHORT',
    `examples with an empty input or an output under ${SHORT_OUTPUT_CHARS} characters`,
    short,
  );

  const lengths = examples.map((example) => example.tokens);
  const mean = lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length);
  const sd = Math.sqrt(lengths.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, lengths.length));
  const outliers = lengths.flatMap((length, i) => (sd > 0 && Math.abs(length - mean) > 3 * sd ? [i] : []));
  add('LENGTH_OUTLIERS', 'examples more than three standard deviations from the mean length', outliers);

  const overContext = lengths.flatMap((length, i) => (length > contextTokens ? [i] : []));
  add(
    'OVER_CONTEXT',
    `examples longer than the model's context (${contextTokens} tokens); they would be truncated`,
    overContext,
  );

  let labels: Record<string, number> | undefined;
  if (type === 'classification') {
    labels = {};
    for (const example of examples) labels[example.label ?? ''] = (labels[example.label ?? ''] ?? 0) + 1;
    const counts = Object.values(labels);
    const minority = Math.min(...counts) / Math.max(1, examples.length);
    if (counts.length < 2) {
      add('LABEL_IMBALANCE', 'only one label: a classifier has nothing to tell apart', [0], 1);
    } else if (minority < 0.1) {
      const rare = Object.entries(labels)
        .filter(([, count]) => count / examples.length < 0.1)
        .map(([label]) => label);
      add('LABEL_IMBALANCE', `labels under 10% of examples: ${rare.join(', ')}`, [0], (0.1 - minority) / 0.1);
    }
  }

  const personal: number[] = [];
  for (const [i, example] of examples.entries()) {
    await slicer.maybeYield();
    const text = example.input + example.output;
    if (EMAIL.test(text) || PHONE.test(text)) personal.push(i);
  }
  add(
    'PERSONAL_DATA',
    'examples containing email addresses or phone numbers: consider removing or masking them',
    personal,
  );

  const sorted = [...lengths].sort((a, b) => a - b);
  return {
    score: Math.max(0, Math.round(100 - penalties.reduce((a, b) => a + b, 0))),
    issues,
    tokens: {
      total: lengths.reduce((a, b) => a + b, 0),
      mean: Math.round(mean),
      p95: sorted[Math.floor(0.95 * Math.max(0, sorted.length - 1))] ?? 0,
      max: sorted.at(-1) ?? 0,
    },
    ...(labels ? { labels } : {}),
  };
}
