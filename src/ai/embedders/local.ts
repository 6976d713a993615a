// The default embedder: no model, no download, deterministic, thousands of texts a second. Hashed word,
// word-pair and character-trigram features with sublinear term frequency and (once fitted on a workspace's
// text) IDF weights. It matches words and their spellings, not meanings: "car" does not find "automobile".
import { createHash } from 'node:crypto';
import { TimeSlicer } from '../../platform/time-slicer.ts';
import { type Embedder, l2Normalize } from './embedder.ts';
import { textFeatures } from './lexical-features.ts';

export interface LocalEmbedderOptions {
  dimensions?: number;
  idf?: IdfTable;
}

/** Inverse document frequencies of features over a corpus: rare terms weigh more than common ones. */
export class IdfTable {
  constructor(
    readonly documents: number,
    private readonly frequencies: ReadonlyMap<string, number>,
  ) {}

  static fit(texts: Iterable<string>): IdfTable {
    const frequencies = new Map<string, number>();
    let documents = 0;
    for (const text of texts) {
      documents += 1;
      for (const feature of textFeatures(text).keys())
        frequencies.set(feature, (frequencies.get(feature) ?? 0) + 1);
    }
    return new IdfTable(documents, frequencies);
  }

  static fromJSON(json: { documents: number; frequencies: [string, number][] }): IdfTable {
    return new IdfTable(json.documents, new Map(json.frequencies));
  }

  toJSON() {
    return { documents: this.documents, frequencies: [...this.frequencies] };
  }

  /** Smoothed, as scikit-learn does: unseen features get the largest weight, never infinity. */
  weight(feature: string): number {
    return Math.log((1 + this.documents) / (1 + (this.frequencies.get(feature) ?? 0))) + 1;
  }

  /** A short fingerprint: part of the model name, so vectors from different tables are never mixed. */
  get fingerprint(): string {
    const hash = createHash('sha256').update(String(this.documents));
    for (const [feature, count] of [...this.frequencies].sort(([a], [b]) => (a < b ? -1 : 1))) {
      hash.update(`${feature}\u0000${count}\u0000`);
    }
    return hash.digest('hex').slice(0, 12);
  }
}

export function createLocalEmbedder(options: LocalEmbedderOptions = {}): Embedder {
  const dimensions = options.dimensions ?? 384;
  if (!Number.isInteger(dimensions) || dimensions < 16 || dimensions > 4096) {
    throw new Error(`local embedder dimensions must be an integer from 16 to 4096, got ${dimensions}`);
  }
  const { idf } = options;
  const model = `local-lexical-v1-${dimensions}${idf ? `-idf.${idf.fingerprint}` : ''}`;
  const embedOne = (text: string): Float32Array => {
    const vector = new Float32Array(dimensions);
    for (const [feature, frequency] of textFeatures(text)) {
      const hash = fnv1a(feature);
      // A sign bit from the hash keeps collisions from adding up in one direction.
      const sign = hash & 0x80000000 ? -1 : 1;
      // Sublinear term frequency: a word said five times is not five times as telling.
      const damped = frequency <= 1 ? frequency : 1 + Math.log(frequency);
      const weight = damped * (idf ? idf.weight(feature) : 1);
      vector[hash % dimensions]! += sign * weight;
    }
    return l2Normalize(vector);
  };
  return {
    model,
    dimensions,
    async embed(texts) {
      // Long batches (a 5 MB embedding request, a bulk reindex) must not hold the event loop in one piece.
      const slicer = new TimeSlicer();
      const vectors: Float32Array[] = [];
      for (const text of texts) {
        vectors.push(embedOne(text));
        await slicer.maybeYield();
      }
      return vectors;
    },
  };
}

/** 32-bit FNV-1a: fast, well spread for short strings, and the same on every machine. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
