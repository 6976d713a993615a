// The features the local embedder hashes: words, word pairs and character trigrams, so that exact terms,
// short phrases and spelling variants ("integrate", "integration") all land near each other.
import { STOP_WORDS } from '../../platform/stop-words.ts';

export interface FeatureWeights {
  word: number;
  wordPair: number;
  /** Spread over a word's trigrams, so a long word does not outweigh a short one. */
  trigrams: number;
}

export const defaultFeatureWeights: FeatureWeights = { word: 1, wordPair: 0.6, trigrams: 0.5 };

/**
 * Lower-cased words with accents folded. Emails, domains and hyphenated names count as one word and as their
 * parts, so "dana@acme.com" matches both the address and "acme".
 */
export function tokenize(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  const tokens: string[] = [];
  for (const match of folded.matchAll(/[\p{L}\p{N}]+(?:[@._'-][\p{L}\p{N}]+)*/gu)) {
    const token = match[0];
    tokens.push(token);
    if (/[@._'-]/.test(token)) for (const part of token.split(/[@._'-]+/)) if (part) tokens.push(part);
  }
  return tokens;
}

/** Feature → weight for one text (term frequencies, before IDF and hashing). */
export function textFeatures(
  text: string,
  weights: FeatureWeights = defaultFeatureWeights,
): Map<string, number> {
  const features = new Map<string, number>();
  const add = (feature: string, weight: number) =>
    features.set(feature, (features.get(feature) ?? 0) + weight);
  const words = tokenize(text).filter((word) => !STOP_WORDS.has(word));
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    add(`w:${word}`, weights.word);
    if (i > 0) add(`p:${words[i - 1]} ${word}`, weights.wordPair);
    const padded = `#${word}#`;
    const count = Math.max(1, padded.length - 2);
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, weights.trigrams / count);
  }
  return features;
}
