// What a learned score may read of a lead or a deal: every field the CRM knows before the outcome, custom
// fields included, plus engagement from activities and a few values derived from fields (seniority from the
// role). Never the outcome itself nor fields that change because of it (status, stage, converted and closed
// dates, stage history). Column names are paths into the record ("source", "custom.industry",
// "engagement.activities"), so an explanation can always be checked against the record it explains.
import type { EntityTypeName, RecordRow } from './entity-types.ts';

export type FeatureValue = string | number | boolean | null;
export type FeatureRow = Record<string, FeatureValue>;

/** Activities of a record up to a time: counts and recency are taken as of the decision, not after it. */
export interface ActivityTrail {
  /** Occurrence times (ms), ascending. */
  times: number[];
}

export type ScoredEntityType = Extract<EntityTypeName, 'lead' | 'deal'>;

/** The fields of each type that are features, with how people call them. Custom fields are added per workspace. */
export const FIELD_LABELS: Record<ScoredEntityType, Record<string, string>> = {
  lead: {
    source: 'Lead source',
    seniority: 'Seniority',
    hasEmail: 'Email on file',
    hasPhone: 'Phone on file',
    requirements: 'Requirements',
    notes: 'Notes',
  },
  deal: {
    amount: 'Deal size',
    currency: 'Currency',
    closeDateSlips: 'Close-date slips',
    fromLead: 'Came from a lead',
    contactSeniority: 'Contact seniority',
    description: 'Description',
    requirements: 'Requirements',
    notes: 'Notes',
  },
};

export const ENGAGEMENT_LABELS: Record<string, string> = {
  'engagement.activities': 'Activities logged',
  'engagement.daysSinceLastActivity': 'Days since last activity',
  'engagement.activitiesPer30Days': 'Activities per 30 days',
};

/** Custom fields that would leak the outcome if a workspace stored it there too. */
const OUTCOME_WORDS = /^(status|stage|outcome|output|result|converted|won|lost|closed|label|target|y)$/i;

const DAY_MS = 86_400_000;

export type Seniority = 'executive' | 'vp or director' | 'manager' | 'individual';
/** Seniorities in order, lowest first. */
export const SENIORITIES: readonly Seniority[] = ['individual', 'manager', 'vp or director', 'executive'];

/** Seniority read from a job title. */
export function seniorityOf(role: unknown): Seniority | null {
  const title = String(role ?? '').toLowerCase();
  if (!title.trim()) return null;
  if (/\b(chief|ceo|cto|cfo|coo|cio|founder|president|owner)\b/.test(title)) return 'executive';
  if (/\b(vp|vice president|head|director)\b/.test(title)) return 'vp or director';
  if (/\b(manager|lead)\b/.test(title)) return 'manager';
  return 'individual';
}

function customFields(record: RecordRow): FeatureRow {
  const custom = (record.custom as Record<string, unknown> | undefined) ?? {};
  const row: FeatureRow = {};
  for (const [key, value] of Object.entries(custom)) {
    if (OUTCOME_WORDS.test(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      row[`custom.${key}`] = value;
    }
  }
  return row;
}

/**
 * Engagement as of a time: how much (count), how recently, and how often for the record's age (a lead
 * decided in a week had less time to log calls than one decided in two months).
 */
function engagement(trail: ActivityTrail | undefined, createdAt: string, asOfMs: number): FeatureRow {
  const times = (trail?.times ?? []).filter((time) => time <= asOfMs);
  const last = times.at(-1);
  const ageDays = Math.max(1, (asOfMs - Date.parse(createdAt)) / DAY_MS);
  return {
    'engagement.activities': times.length,
    'engagement.activitiesPer30Days': Number(((times.length / ageDays) * 30).toFixed(2)),
    'engagement.daysSinceLastActivity': last === undefined ? null : Math.max(0, (asOfMs - last) / DAY_MS),
  };
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value : null);

export function leadFeatureRow(
  lead: RecordRow,
  trail: ActivityTrail | undefined,
  asOfMs: number,
): FeatureRow {
  return {
    source: text(lead.source),
    seniority: seniorityOf(lead.role),
    // No email on file is a real "no", not an unknown.
    hasEmail: Boolean(lead.email),
    hasPhone: Boolean(lead.phone),
    requirements: text(lead.requirements),
    notes: text(lead.notes),
    ...customFields(lead),
    ...engagement(trail, lead.createdAt, asOfMs),
  };
}

export function dealFeatureRow(
  deal: RecordRow,
  context: { trail?: ActivityTrail; contact?: RecordRow },
  asOfMs: number,
): FeatureRow {
  return {
    amount: typeof deal.amount === 'number' && deal.amount > 0 ? deal.amount : null,
    currency: text(deal.currency),
    closeDateSlips: Number(deal.closeDateSlips ?? 0),
    fromLead: Boolean(deal.leadId),
    contactSeniority: context.contact ? seniorityOf(context.contact.role) : null,
    description: text(deal.description),
    requirements: text(deal.requirements),
    notes: text(deal.notes),
    ...customFields(deal),
    ...engagement(context.trail, deal.createdAt, asOfMs),
  };
}

/** 0 (individual or unknown) to 3 (executive). */
export function seniorityRank(role: unknown): number {
  return Math.max(0, SENIORITIES.indexOf(seniorityOf(role) ?? 'individual'));
}

/** A feature column's label where the CRM names it (custom fields are named after their key by the learner). */
export function featureLabel(type: ScoredEntityType, column: string): string | undefined {
  return FIELD_LABELS[type][column] ?? ENGAGEMENT_LABELS[column];
}
