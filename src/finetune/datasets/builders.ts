// Examples built from a workspace's own records, one recipe per dataset type. Each recipe reads whole record
// types a page at a time; `filters` narrow the source records by their equality filters (as the list API
// does) and by creation time. Records that lack what an example needs are skipped, not padded.
import { z } from 'zod';
import { type EntityTypeName, entityTypes, type RecordRow } from '../../crm/records/entity-types.ts';
import {
  dealProfile,
  leadClassificationText,
  leadProfile,
  profileText as text,
} from '../../crm/records/profiles.ts';
import type { RecordsService } from '../../crm/records/service.ts';
import { isoTimestamp } from '../../platform/timestamps.ts';
import type { AnyExample, DatasetType } from './examples.ts';

export const workspaceFiltersSchema = z
  .object({
    /** For classification: which outcome to learn. */
    target: z.enum(['lead-conversion', 'deal-outcome']).optional(),
    /** Equality filters on the source records, e.g. {"source":"referral"} or {"company":"Acme"}. */
    where: z.record(z.string(), z.string()).optional(),
    since: isoTimestamp.optional(),
    until: isoTimestamp.optional(),
    limit: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();
export type WorkspaceFilters = z.infer<typeof workspaceFiltersSchema>;

interface Recipe {
  source: EntityTypeName;
  build(record: RecordRow, related: Related): AnyExample | undefined;
  /** Records of another type the recipe needs, keyed for lookup. */
  needsActivities?: boolean;
}

interface Related {
  activitiesOf(type: string, id: string): RecordRow[];
}

function recipes(filters: WorkspaceFilters): Record<DatasetType, Recipe> {
  return {
    classification:
      filters.target === 'deal-outcome'
        ? {
            source: 'deal',
            build: (deal) =>
              deal.status === 'won' || deal.status === 'lost'
                ? {
                    text: dealProfile({ ...deal, stage: undefined }),
                    label: String(deal.status),
                    record: { type: 'deal', id: deal.id },
                  }
                : undefined,
          }
        : {
            source: 'lead',
            needsActivities: true,
            build: (lead, related) =>
              lead.status === 'converted' || lead.status === 'unqualified'
                ? {
                    text: leadClassificationText(lead, related.activitiesOf('lead', lead.id).length),
                    label: String(lead.status),
                    record: { type: 'lead', id: lead.id },
                  }
                : undefined,
          },
    instruction: {
      source: 'deal',
      needsActivities: true,
      build: (deal, related) => {
        const next = related.activitiesOf('deal', deal.id).find((activity) => text(activity.followUpNotes));
        if (!next) return undefined;
        return {
          instruction: 'Recommend the next step for this deal.',
          input: `${dealProfile(deal)}\nLatest notes: ${text(next.notes) || 'none'}`,
          output: text(next.followUpNotes),
        };
      },
    },
    chat: {
      source: 'activity',
      build: (activity) =>
        text(activity.notes) && text(activity.outcome)
          ? {
              messages: [
                { role: 'system', content: 'You are the CRM assistant of this workspace.' },
                {
                  role: 'user',
                  content: `What came out of this ${activity.type}${activity.subject ? ` ("${text(activity.subject)}")` : ''}? Notes: ${text(activity.notes)}`,
                },
                { role: 'assistant', content: text(activity.outcome) },
              ],
            }
          : undefined,
    },
    completion: {
      source: 'deal',
      build: (deal) =>
        text(deal.notes)
          ? { prompt: `${dealProfile(deal)}\nNotes:`, completion: ` ${text(deal.notes)}` }
          : undefined,
    },
    qa: {
      source: 'lead',
      build: (lead) =>
        text(lead.requirements) && text(lead.company)
          ? {
              question: `What does ${text(lead.company)} need?`,
              context: leadProfile({ ...lead, requirements: undefined }),
              answer: text(lead.requirements),
            }
          : undefined,
    },
    summarization: {
      source: 'document',
      build: (document) =>
        text(document.content) && text(document.summary)
          ? { document: text(document.content), summary: text(document.summary) }
          : undefined,
    },
  };
}

/** Examples from the workspace's records, with the source record of each (for de-duplication and audits). */
export async function buildFromWorkspace(
  records: RecordsService,
  workspaceId: string,
  type: DatasetType,
  filters: WorkspaceFilters,
  onProgress?: (done: number) => void,
): Promise<{ examples: AnyExample[]; sources: string[] }> {
  const recipe = recipes(filters)[type];
  const activities = new Map<string, RecordRow[]>();
  if (recipe.needsActivities) {
    for await (const page of records.pages(entityTypes.activity, workspaceId, 1000)) {
      for (const activity of page) {
        if (!activity.relatedId) continue;
        const key = `${activity.relatedType}:${activity.relatedId}`;
        activities.set(key, [...(activities.get(key) ?? []), activity]);
      }
    }
    // Newest first, as an agent would read them.
    for (const list of activities.values())
      list.sort((a, b) =>
        String(b.occurredAt ?? b.createdAt).localeCompare(String(a.occurredAt ?? a.createdAt)),
      );
  }
  const related: Related = { activitiesOf: (t, id) => activities.get(`${t}:${id}`) ?? [] };
  const examples: AnyExample[] = [];
  const sources: string[] = [];
  let seen = 0;
  for await (const page of records.pages(entityTypes[recipe.source], workspaceId, 1000)) {
    for (const record of page) {
      seen++;
      if (!matches(record, filters)) continue;
      const example = recipe.build(record, related);
      if (!example) continue;
      examples.push(example);
      sources.push(`${recipe.source}:${record.id}`);
      if (filters.limit && examples.length >= filters.limit) return { examples, sources };
    }
    onProgress?.(seen);
  }
  return { examples, sources };
}

function matches(record: RecordRow, filters: WorkspaceFilters): boolean {
  for (const [field, value] of Object.entries(filters.where ?? {}))
    if (String(record[field] ?? '') !== value) return false;
  const created = String(record.createdAt);
  if (filters.since && created < new Date(filters.since).toISOString()) return false;
  if (filters.until && created >= new Date(filters.until).toISOString()) return false;
  return true;
}
