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

/** Function words beyond the search's stop words: common in notes, never what a customer talks about. */
const FILLER = new Set(
  (
    'about above after again against all also any because before being below between both during each few ' +
    'further here just more most once only other out over own same some such through under until very while ' +
    'asked said says told wants want wanted still yet'
  ).split(' '),
);

function terms(sentence: string): string[] {
  return (sentence.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (term) => term.length > 2 && !STOP_WORDS.has(term) && !FILLER.has(term),
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

/** An action: an imperative opening ("Send the proposal"), or someone who needs to, will or should do something. */
const ACTION_OPENING =
  /^(please\s+)?(schedule|send|follow[- ]?up|call|book|prepare|share|review|confirm|set up|arrange|get|ask|check|update|email|introduce|plan|draft|loop in|invite)\b/i;
const ACTION_INTENT =
  /\b(we|i|you|they|sales|the team)\s+(need to|needs to|will|should|must|have to|has to|plan to)\s+\w+|\bnext steps?\b|\bfollow[- ]?up\b|\baction item\b/i;
const RISK =
  /\b(risks?|concerns?|concerned|delay(ed|s)?|blocker|blocked|competitor|competing|churn|slip(ped|s)?|unhappy|complain\w*|issues?|problems?|legal review|security review|pushback|too expensive|over budget|no budget|budget (cut|freeze|is tight|constraints?)|cancel\w*|stalled|on hold|not a priority)\b/i;
const OPPORTUNITY =
  /\b(interested|interest in|expand\w*|upsell|opportunit(y|ies)|growth|grow(ing)?|more seats|additional (seats|licen[cs]es|teams?)|renew(al)?|pilot|trial|champion|referral|new team|budget (is |was |has been )?(approved|confirmed|allocated|signed off)|signed off|ready to (buy|sign|move forward)|wants? to (expand|add|roll out))\b/i;

export function isActionItem(text: string): boolean {
  return ACTION_OPENING.test(text) || ACTION_INTENT.test(text);
}

export function isOpportunity(text: string): boolean {
  return OPPORTUNITY.test(text);
}

/** A risk names a problem; good news about the budget is an opportunity, never a risk. */
export function isRisk(text: string): boolean {
  return RISK.test(text);
}

export function actionItems(sentences: readonly RankedSentence[], limit = 5): string[] {
  return sentences
    .filter((sentence) => isActionItem(sentence.text))
    .slice(0, limit)
    .map((s) => s.text);
}

export function riskSentences(sentences: readonly RankedSentence[], limit = 5): string[] {
  return sentences
    .filter((sentence) => isRisk(sentence.text))
    .slice(0, limit)
    .map((s) => s.text);
}

export function opportunitySentences(sentences: readonly RankedSentence[], limit = 5): string[] {
  return sentences
    .filter((sentence) => isOpportunity(sentence.text))
    .slice(0, limit)
    .map((s) => s.text);
}

/** Words written capitalised inside a sentence (never at its start): names of people, companies, places. */
function properNouns(texts: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const text of texts) {
    for (const sentence of splitSentences(text)) {
      const words = sentence.match(/[\p{L}\p{N}]+/gu) ?? [];
      for (const word of words.slice(1)) if (/^\p{Lu}/u.test(word)) names.add(word.toLowerCase());
    }
  }
  return names;
}

/** The most frequent content words: what a customer keeps talking about, without names and stop words. */
export function topTerms(texts: readonly string[], limit = 8, exclude: readonly string[] = []): string[] {
  const names = properNouns(texts);
  for (const text of exclude) for (const word of terms(text)) names.add(word);
  const counts = new Map<string, number>();
  for (const text of texts) for (const term of terms(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
  return [...counts]
    .filter(([term, count]) => count > 1 && !names.has(term) && !/^\d+$/.test(term))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([term]) => term);
}
