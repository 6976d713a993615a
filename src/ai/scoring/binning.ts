// Turns rows of named values (numbers, booleans, categories, dates, free text) into small integer bins, the
// only thing the boosted trees read. Column kinds are inferred from the data, so a workspace's custom fields
// take part without being declared. Missing is its own bin everywhere: "unknown" is not "no". Categories
// seen fewer than `minCategoryCount` times share an "other" bin, so a level seen once cannot carry a score.
import { STOP_WORDS } from '../../platform/stop-words.ts';

export type ColumnKind = 'numeric' | 'boolean' | 'categorical' | 'date' | 'text';

/** One input value: what a record's field holds. Dates are ISO strings. */
export type CellValue = string | number | boolean | null | undefined;
export type TabularRow = Readonly<Record<string, CellValue>>;

export interface ColumnInfo {
  name: string;
  label: string;
  kind: ColumnKind;
}

/** One feature the trees split on: a column, or for text one word a column mentions. */
export interface BinnedFeature {
  /** The column the feature reads. */
  column: string;
  label: string;
  kind: ColumnKind;
  /** Numeric and date features: upper edges of bins 1..n (bin 0 is missing). */
  edges?: number[];
  /** Categorical and boolean features: the level of each bin (bin 0 is missing); `null` is "other". */
  levels?: (string | null)[];
  /** Text features: the word whose mention this feature marks. */
  word?: string;
  /** Rows and positives per bin in the training data: the evidence explanations quote. */
  counts: number[];
  positives: number[];
}

export const MISSING_BIN = 0;
/** At most this many ranges per numeric column, and at least about 30 training rows in each. */
const MAX_QUANTILE_BINS = 64;
const MIN_ROWS_PER_RANGE = 30;
const WORDS_PER_TEXT_COLUMN = 12;
const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

function isMissing(value: CellValue): value is null | undefined {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function asNumber(value: CellValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

function asBoolean(value: CellValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** The kind a column's values say it is, or undefined when it carries nothing to learn (one value or none). */
export function inferColumnKind(values: readonly CellValue[]): ColumnKind | undefined {
  const present = values.filter((value) => !isMissing(value));
  if (present.length === 0) return undefined;
  const share = (test: (value: CellValue) => boolean) => present.filter(test).length / present.length;
  if (share((value) => asBoolean(value) !== undefined) >= 0.99) return 'boolean';
  const distinct = new Set(present.map(String));
  if (distinct.size < 2 && present.length === values.length) return undefined;
  if (share((value) => asNumber(value) !== undefined) >= 0.99) return 'numeric';
  if (
    share((value) => typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))) >=
    0.99
  )
    return 'date';
  let words = 0;
  for (const value of present) words += String(value).split(/\s+/).length;
  const averageWords = words / present.length;
  return averageWords >= 4 && distinct.size > present.length / 4 ? 'text' : 'categorical';
}

/** "dayOfWeek", "day_of_week" → "Day of week". */
export function labelOf(name: string): string {
  const words = name
    .replace(/^custom\./, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_.-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function wordsOf(text: string): string[] {
  return [
    ...new Set(
      text
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter((word) => word.length > 2 && !STOP_WORDS.has(word) && !/^\d+$/.test(word)),
    ),
  ];
}

/** A value as a number the numeric bins read: dates become days before the row's as-of time. */
function numericValue(kind: ColumnKind, value: CellValue, asOfMs: number): number | undefined {
  if (kind === 'date') {
    const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    return Number.isNaN(at) ? undefined : (asOfMs - at) / DAY_MS;
  }
  return asNumber(value);
}

function quantileEdges(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const bins = Math.max(4, Math.min(MAX_QUANTILE_BINS, Math.floor(sorted.length / MIN_ROWS_PER_RANGE)));
  const edges: number[] = [];
  for (let q = 1; q < bins; q++) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((q * sorted.length) / bins))]!;
    if (edges.length === 0 || edge > edges.at(-1)!) edges.push(edge);
  }
  // The last bin holds everything above the last edge.
  if (edges.length === 0 || sorted.at(-1)! > edges.at(-1)!) edges.push(sorted.at(-1)!);
  return edges;
}

/** Bin of a number: the first edge at or above it, 1-based (0 is missing). */
function numericBin(edges: readonly number[], value: number): number {
  let low = 0;
  let high = edges.length - 1;
  if (value > edges[high]!) return edges.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (edges[middle]! >= value) high = middle;
    else low = middle + 1;
  }
  return low + 1;
}

export interface BinnerOptions {
  /** Category levels seen fewer times than this share the "other" bin. */
  minCategoryCount?: number;
}

/**
 * Fitted on training rows: the columns' kinds, bin edges, category levels and words. Encoding is then a pure
 * function of one row, the same in training, scoring and explaining.
 */
export class Binner {
  constructor(readonly features: BinnedFeature[]) {}

  static fit(
    columns: readonly ColumnInfo[],
    rows: readonly TabularRow[],
    labels: readonly number[],
    asOf: readonly number[],
    options: BinnerOptions = {},
  ): Binner {
    const minCount = options.minCategoryCount ?? Math.max(10, Math.round(rows.length * 0.002));
    const features: BinnedFeature[] = [];
    for (const column of columns) {
      const base = { column: column.name, label: column.label, kind: column.kind, counts: [], positives: [] };
      if (column.kind === 'numeric' || column.kind === 'date') {
        const values = rows
          .map((row, i) => numericValue(column.kind, row[column.name], asOf[i]!))
          .filter((value): value is number => value !== undefined);
        if (values.length === 0) continue;
        features.push({ ...base, edges: quantileEdges(values) });
      } else if (column.kind === 'boolean') {
        features.push({ ...base, levels: [null, 'false', 'true'] });
      } else if (column.kind === 'categorical') {
        features.push({ ...base, levels: categoryLevels(rows, labels, column.name, minCount) });
      } else {
        for (const word of frequentWords(rows, column.name, minCount)) features.push({ ...base, word });
      }
    }
    const binner = new Binner(features);
    // Per-bin counts: the evidence behind each explanation ("converts 24% vs 38% overall, 1,204 leads").
    for (const feature of features) {
      const size = binner.binCount(feature);
      feature.counts = new Array(size).fill(0);
      feature.positives = new Array(size).fill(0);
    }
    rows.forEach((row, i) => {
      features.forEach((feature, f) => {
        const bin = binner.binOf(f, row, asOf[i]!);
        feature.counts[bin]!++;
        feature.positives[bin]! += labels[i]!;
      });
    });
    return binner;
  }

  binCount(feature: BinnedFeature): number {
    if (feature.edges) return feature.edges.length + 1;
    if (feature.levels) return feature.levels.length;
    return 2;
  }

  binOf(featureIndex: number, row: TabularRow, asOfMs: number): number {
    const feature = this.features[featureIndex]!;
    const value = row[feature.column];
    if (feature.word !== undefined) {
      return typeof value === 'string' && wordsOf(value).includes(feature.word) ? 1 : 0;
    }
    if (isMissing(value)) return MISSING_BIN;
    if (feature.edges) {
      const number = numericValue(feature.kind, value, asOfMs);
      return number === undefined ? MISSING_BIN : numericBin(feature.edges, number);
    }
    const levels = feature.levels!;
    const level = feature.kind === 'boolean' ? String(asBoolean(value)) : String(value).toLowerCase();
    const index = levels.indexOf(level);
    if (index > 0) return index;
    const other = levels.indexOf(null, 1);
    return other > 0 ? other : MISSING_BIN;
  }

  /** Rows as bins, one array per feature (column-major: histograms read one feature at a time). */
  encode(rows: readonly TabularRow[], asOf: readonly number[]): Uint8Array[] {
    return this.features.map((_, f) => Uint8Array.from(rows, (row, i) => this.binOf(f, row, asOf[i]!)));
  }

  encodeRow(row: TabularRow, asOfMs: number): Uint8Array {
    return Uint8Array.from(this.features, (_, f) => this.binOf(f, row, asOfMs));
  }

  /** Words for a bin, e.g. "30–34" for a numeric bin, "other" or "not set". */
  describeBin(featureIndex: number, bin: number): string {
    const feature = this.features[featureIndex]!;
    if (feature.word !== undefined) return bin === 1 ? 'mentioned' : 'not mentioned';
    if (bin === MISSING_BIN) return 'not set';
    if (feature.edges) {
      const upper = feature.edges[bin - 1];
      const lower = bin >= 2 ? feature.edges[bin - 2] : undefined;
      if (upper === undefined) return `above ${formatNumber(feature.edges.at(-1)!)}`;
      if (lower === undefined) return `up to ${formatNumber(upper)}`;
      return `${formatNumber(lower)}–${formatNumber(upper)}`;
    }
    return feature.levels![bin] ?? 'other';
  }
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 100 || Number.isInteger(value)
    ? Math.round(value).toLocaleString('en-US')
    : value.toFixed(1);
}

/**
 * Category levels in order of their smoothed positive rate, so the trees can split them like an ordered
 * feature (the "many versus many" split LightGBM uses) and a rare level never stands alone.
 */
function categoryLevels(
  rows: readonly TabularRow[],
  labels: readonly number[],
  column: string,
  minCount: number,
): (string | null)[] {
  const stats = new Map<string, { count: number; positives: number }>();
  rows.forEach((row, i) => {
    const value = row[column];
    if (isMissing(value)) return;
    const level = String(value).toLowerCase();
    const entry = stats.get(level) ?? { count: 0, positives: 0 };
    entry.count++;
    entry.positives += labels[i]!;
    stats.set(level, entry);
  });
  const overall = labels.reduce((sum, label) => sum + label, 0) / Math.max(1, labels.length);
  const smoothed = (entry: { count: number; positives: number }) =>
    (entry.positives + overall * minCount) / (entry.count + minCount);
  const frequent = [...stats].filter(([, entry]) => entry.count >= minCount);
  const rare = [...stats].filter(([, entry]) => entry.count < minCount);
  const ordered: { level: string | null; rate: number }[] = frequent.map(([level, entry]) => ({
    level,
    rate: smoothed(entry),
  }));
  if (rare.length > 0) {
    const pooled = rare.reduce(
      (sum, [, entry]) => ({ count: sum.count + entry.count, positives: sum.positives + entry.positives }),
      { count: 0, positives: 0 },
    );
    ordered.push({ level: null, rate: smoothed(pooled) });
  }
  ordered.sort((a, b) => a.rate - b.rate);
  return [null, ...ordered.map((entry) => entry.level)];
}

/** Words mentioned in at least `minCount` rows, most frequent first. */
function frequentWords(rows: readonly TabularRow[], column: string, minCount: number): string[] {
  const frequency = new Map<string, number>();
  for (const row of rows) {
    const value = row[column];
    if (typeof value !== 'string') continue;
    for (const word of wordsOf(value)) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  }
  return [...frequency]
    .filter(([, count]) => count >= minCount && count < rows.length * 0.9)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, WORDS_PER_TEXT_COLUMN)
    .map(([word]) => word);
}
