// Extractive text work for the summary, research and insight agents: sentences ranked by how central they
// are to the text (cosine to the TF-IDF centroid of all sentences), plus cue-phrase classifiers for action
// items, risks and opportunities.
import { STOP_WORDS } from '../../platform/stop-words.ts';

export interface RankedSentence {
  text: string;
  /** Position in the source, to restore reading order. */
  position: number;
  score: number;
  source?: string;
}

export function splitSentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[A-Z0-9"'(])/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length >= 12);
}

function terms(sentence: string): string[] {
  return (sentence.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (term) => term.length > 2 && !STOP_WORDS.has(term),
  );
}

/** Sentences of the passages ranked by centrality; duplicates (same words) kept once. */
export function rankSentences(passages: readonly { text: string; source?: string }[]): RankedSentence[] {
  const sentences: { text: string; source?: string; terms: string[] }[] = [];
  const seen = new Set<string>();
  for (const passage of passages) {
    for (const text of splitSentences(passage.text)) {
      const words = terms(text);
      const key = [...new Set(words)].sort().join(' ');
      if (words.length === 0 || seen.has(key)) continue;
      seen.add(key);
      sentences.push({ text, source: passage.source, terms: words });
    }
  }
  const documentFrequency = new Map<string, number>();
  for (const sentence of sentences)
    for (const term of new Set(sentence.terms))
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const idf = (term: string) =>
    Math.log((1 + sentences.length) / (1 + (documentFrequency.get(term) ?? 0))) + 1;
  const vectors = sentences.map((sentence) => {
    const vector = new Map<string, number>();
    for (const term of sentence.terms) vector.set(term, (vector.get(term) ?? 0) + idf(term));
    return vector;
  });
  const centroid = new Map<string, number>();
  for (const vector of vectors)
    for (const [term, weight] of vector) centroid.set(term, (centroid.get(term) ?? 0) + weight);
  const norm = (vector: Map<string, number>) =>
    Math.sqrt([...vector.values()].reduce((sum, w) => sum + w * w, 0));
  const centroidNorm = norm(centroid) || 1;
  return sentences
    .map((sentence, position) => {
      const vector = vectors[position]!;
      let dot = 0;
      for (const [term, weight] of vector) dot += weight * (centroid.get(term) ?? 0);
      return {
        text: sentence.text,
        position,
        score: dot / ((norm(vector) || 1) * centroidNorm),
        ...(sentence.source ? { source: sentence.source } : {}),
      };
    })
    .sort((a, b) => b.score - a.score);
}

const ACTION =
  /\b(schedule|send|follow[- ]?up|call|book|prepare|share|review|confirm|set up|arrange|need(s)? to|will|must|should|next step|demo|proposal)\b/i;
const RISK =
  /\b(risk|concern|delay|delayed|budget|blocker|blocked|competitor|competing|churn|slip|slipped|unhappy|complain|issue|problem|legal|security review|pushback|price|pricing|cancel)\b/i;
const OPPORTUNITY =
  /\b(interest|interested|expand|expansion|upsell|opportunit(y|ies)|growth|grow|additional|more seats|renew|renewal|pilot|trial|champion|referral|new team)\b/i;

export function actionItems(sentences: readonly RankedSentence[], limit = 5): string[] {
  return sentences
    .filter((sentence) => ACTION.test(sentence.text))
    .slice(0, limit)
    .map((s) => s.text);
}

export function riskSentences(sentences: readonly RankedSentence[], limit = 5): string[] {
  return sentences
    .filter((sentence) => RISK.test(sentence.text))
    .slice(0, limit)
    .map((s) => s.text);
}

export function opportunitySentences(sentences: readonly RankedSentence[], limit = 5): string[] {
  return sentences
    .filter((sentence) => OPPORTUNITY.test(sentence.text))
    .slice(0, limit)
    .map((s) => s.text);
}

/** The most frequent content words: what a customer keeps talking about. */
export function topTerms(texts: readonly string[], limit = 8): string[] {
  const counts = new Map<string, number>();
  for (const text of texts) for (const term of terms(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
  return [...counts]
    .filter(([, count]) => count > 1)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([term]) => term);
}
