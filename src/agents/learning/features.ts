// What the scoring models see of a lead or a deal. Only what a CRM knows before the outcome: the lead's
// source, role, company size and industry (custom fields), engagement so far; the deal's size against the
// workspace's median, close-date slips, engagement, contact seniority, age. Never the outcome itself, nor
// fields that only change because of it (a won deal's final stage).
import type { RecordRow } from '../../crm/records/entity-types.ts';
import type { FeatureRow } from './logistic.ts';

const DAY_MS = 86_400_000;

export interface Engagement {
  count: number;
  /** Most recent activity, ISO. */
  lastAt: string | null;
}

/** Seniority read from a job title: 3 executives, 2 VPs, heads and directors, 1 managers, 0 others. */
export function seniorityOf(role: unknown): number {
  const title = String(role ?? '').toLowerCase();
  if (/\b(chief|ceo|cto|cfo|coo|cio|founder|president|owner)\b/.test(title)) return 3;
  if (/\b(vp|vice president|head|director)\b/.test(title)) return 2;
  if (/\b(manager|lead)\b/.test(title)) return 1;
  return 0;
}

function customOf(record: RecordRow): Record<string, unknown> {
  return (record.custom as Record<string, unknown> | undefined) ?? {};
}

function daysBetween(fromIso: string | null | undefined, toMs: number): number | undefined {
  if (!fromIso) return undefined;
  return Math.max(0, (toMs - Date.parse(fromIso)) / DAY_MS);
}

/** Categorical values as one-hot features, so a model learns each source or industry separately. */
function oneHot(prefix: string, value: unknown): FeatureRow {
  return value ? { [`${prefix}=${String(value).toLowerCase()}`]: 1 } : {};
}

export function leadFeatures(lead: RecordRow, engagement: Engagement, asOfMs: number): FeatureRow {
  const custom = customOf(lead);
  const employees = Number(custom.employees);
  const quietDays = daysBetween(engagement.lastAt, asOfMs);
  return {
    ...oneHot('source', lead.source),
    ...oneHot('industry', custom.industry),
    seniority: seniorityOf(lead.role),
    logEmployees: Number.isFinite(employees) && employees > 0 ? Math.log10(employees) : 2,
    trialStarted: custom.trialStarted === true ? 1 : 0,
    activities: Math.log1p(engagement.count),
    recentlyActive: quietDays !== undefined && quietDays <= 14 ? 1 : 0,
    hasEmail: lead.email ? 1 : 0,
    hasPhone: lead.phone ? 1 : 0,
  };
}

export function dealFeatures(
  deal: RecordRow,
  context: { engagement: Engagement; contact?: RecordRow; medianAmount: number; asOfMs: number },
): FeatureRow {
  const amount = Number(deal.amount ?? 0);
  const custom = customOf(deal);
  const quietDays = daysBetween(context.engagement.lastAt, context.asOfMs);
  return {
    ...oneHot('industry', custom.industry),
    logAmountVsMedian: amount > 0 && context.medianAmount > 0 ? Math.log(amount / context.medianAmount) : 0,
    closeDateSlips: Number(deal.closeDateSlips ?? 0),
    activities: Math.log1p(context.engagement.count),
    recentlyActive: quietDays !== undefined && quietDays <= 14 ? 1 : 0,
    contactSeniority: seniorityOf(context.contact?.role),
    fromLead: deal.leadId ? 1 : 0,
  };
}

/** Human wording for a feature's name in explanations. */
export function describeFeature(feature: string): string {
  const [name, value] = feature.split('=');
  const names: Record<string, string> = {
    source: `source: ${value}`,
    industry: `industry: ${value}`,
    seniority: 'seniority of the role',
    logEmployees: 'company size',
    trialStarted: 'started a trial',
    activities: 'engagement (activities)',
    recentlyActive: 'activity in the last 14 days',
    hasEmail: 'email on file',
    hasPhone: 'phone on file',
    logAmountVsMedian: 'deal size against the median',
    closeDateSlips: 'close-date slips',
    contactSeniority: 'seniority of the contact',
    fromLead: 'came from a qualified lead',
  };
  return names[name!] ?? feature;
}
