// The judged dev set (hand-written CRM records and queries with graded relevance, see crm-queries.json), and
// the two measures the relevance benchmark reports: nDCG@10 and recall@10.
import fs from 'node:fs';
import path from 'node:path';
import type { EntityTypeName } from '../../src/crm/records/entity-types.ts';

export type QueryKind = 'exact' | 'keyword' | 'semantic' | 'paraphrase';
/** Noise queries have no relevant record: they check the relevance floor and are not scored. */
export type AnyQueryKind = QueryKind | 'noise';
export const queryKinds: readonly QueryKind[] = ['exact', 'keyword', 'semantic', 'paraphrase'];

export interface DevRecord {
  type: EntityTypeName;
  id: string;
  fields: Record<string, unknown>;
}

export interface JudgedQuery {
  id: string;
  kind: AnyQueryKind;
  text: string;
  /** Grade by record id (2 answers the query, 1 related); every record not listed is 0. */
  relevant: Record<string, number>;
}

const here = import.meta.dirname;

export function loadDevSet(): { records: DevRecord[]; queries: JudgedQuery[] } {
  const records = fs
    .readFileSync(path.join(here, 'crm-records.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const { type, activityType, ...fields } = JSON.parse(line) as Record<string, unknown>;
      // An activity's own `type` (call, email…) is written as activityType, beside the record type.
      return {
        type: type as EntityTypeName,
        id: String(fields.id),
        fields: activityType ? { ...fields, type: activityType } : fields,
      };
    });
  const { queries } = JSON.parse(fs.readFileSync(path.join(here, 'crm-queries.json'), 'utf8')) as {
    queries: JudgedQuery[];
  };
  return { records, queries };
}

const gain = (grade: number) => 2 ** grade - 1;

/** nDCG@k of a ranking (record ids, best first) against graded judgments. */
export function ndcgAt(k: number, ranked: readonly string[], relevant: Record<string, number>): number {
  const dcg = ranked.slice(0, k).reduce((sum, id, i) => sum + gain(relevant[id] ?? 0) / Math.log2(i + 2), 0);
  const ideal = Object.values(relevant)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, grade, i) => sum + gain(grade) / Math.log2(i + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** Share of the relevant records (grade ≥ 1) found in the first k. */
export function recallAt(k: number, ranked: readonly string[], relevant: Record<string, number>): number {
  const wanted = Object.keys(relevant).filter((id) => (relevant[id] ?? 0) > 0);
  if (wanted.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return wanted.filter((id) => top.has(id)).length / wanted.length;
}
