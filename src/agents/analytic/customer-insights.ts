// Customer insights for a contact (or a lead): profile from the record and its company, engagement patterns
// from activity statistics (volume, mix, gaps, trend), needs from what the customer's deals and notes keep
// mentioning, growth from open and won deals, retention risks from silence, lost deals and a falling trend.
import { z } from 'zod';
import type { EntityTypeName, RecordRow } from '../../crm/records/entity-types.ts';
import { seniorityRank } from '../../crm/records/features.ts';
import { AppError } from '../../platform/errors.ts';
import { defineAgent, evidenceOf } from '../agent.ts';
import {
  activitiesOf,
  DAY_MS,
  daysSince,
  documentsOf,
  formatMoney,
  getRecord,
  listWhere,
  textOf,
} from './reader.ts';
import { rankSentences, topTerms } from './sentences.ts';

export const customerInsightsOutput = z.object({
  customerId: z.string(),
  profile: z.object({
    name: z.string(),
    type: z.enum(['contact', 'lead']),
    company: z.string().nullable(),
    role: z.string().nullable(),
    seniority: z.enum(['executive', 'senior', 'manager', 'individual']),
    industry: z.string().nullable(),
    customerSince: z.string(),
  }),
  engagementPatterns: z.object({
    totalActivities: z.number().int(),
    byType: z.record(z.string(), z.number()),
    lastActivityAt: z.string().nullable(),
    daysSinceLastActivity: z.number().nullable(),
    averageDaysBetween: z.number().nullable(),
    last90Days: z.number().int(),
    previous90Days: z.number().int(),
    trend: z.enum(['rising', 'steady', 'declining', 'none']),
  }),
  preferencesAndNeeds: z.array(z.string()),
  growthOpportunities: z.array(z.string()),
  retentionRisks: z.array(z.string()),
});

const SENIORITY = ['individual', 'manager', 'senior', 'executive'] as const;

export const customerInsightsAgent = defineAgent({
  name: 'customerInsights',
  description: 'Profiles a customer (contact or lead) from its activities, deals and documents.',
  input: z.object({ customerId: z.string().min(1) }).strict(),
  output: customerInsightsOutput,
  instructions:
    'Describe this customer for an account manager: profile, how they engage, what they need, where to grow and what could make them leave.',
  async analyze(context, input) {
    const { type, record } = await findCustomer(context, input.customerId);
    const [activities, deals, documents] = await Promise.all([
      activitiesOf(context, type, record.id),
      listWhere(context, 'deal', type === 'contact' ? { contactId: record.id } : { leadId: record.id }),
      documentsOf(context, type, record.id),
    ]);
    const now = Date.now();
    const times = activities
      .map((activity) => Date.parse((activity.occurredAt as string) ?? (activity.createdAt as string)))
      .sort((a, b) => a - b);
    const byType: Record<string, number> = {};
    for (const activity of activities)
      byType[activity.type as string] = (byType[activity.type as string] ?? 0) + 1;
    const last90 = times.filter((t) => now - t <= 90 * DAY_MS).length;
    const previous90 = times.filter((t) => now - t > 90 * DAY_MS && now - t <= 180 * DAY_MS).length;
    // A trend needs evidence: at least three activities on the growing side and a difference of two or more.
    const trend =
      times.length === 0
        ? 'none'
        : last90 >= 3 && last90 >= previous90 + 2 && last90 > previous90 * 1.25
          ? 'rising'
          : previous90 >= 3 && previous90 >= last90 + 2 && last90 < previous90 * 0.75
            ? 'declining'
            : 'steady';
    const lastAt = times.length > 0 ? new Date(times.at(-1)!).toISOString() : null;
    const gaps = times.slice(1).map((t, i) => (t - times[i]!) / DAY_MS);

    const texts = [
      textOf(record, ['requirements', 'notes']),
      ...deals.map((deal) => textOf(deal, ['description', 'requirements', 'notes'])),
      ...activities.map((activity) => textOf(activity, ['notes', 'outcome', 'followUpNotes'])),
    ].filter((text) => text.length > 0);
    const ranked = rankSentences(texts.map((text) => ({ text })));
    const terms = topTerms(texts, 8, [
      String(record.name ?? ''),
      String(record.company ?? ''),
      ...deals.map((deal) => String(deal.name ?? '')),
    ]);
    const needs = [
      ...(terms.length > 0 ? [`Keeps mentioning: ${terms.slice(0, 6).join(', ')}`] : []),
      ...ranked.slice(0, 3).map((sentence) => sentence.text),
    ];

    const open = deals.filter((deal) => deal.status === 'open');
    const won = deals.filter((deal) => deal.status === 'won');
    const lost = deals.filter((deal) => deal.status === 'lost');
    const growth: string[] = [];
    for (const deal of open.slice(0, 3))
      growth.push(`Open deal "${deal.name}" (${formatMoney(Number(deal.amount ?? 0))}, ${deal.stage})`);
    if (won.length > 0)
      growth.push(
        `${won.length} won deal(s) worth ${formatMoney(won.reduce((s, d) => s + Number(d.amount ?? 0), 0))}: propose an expansion review`,
      );
    if (growth.length === 0) growth.push('No deals yet: qualify a first opportunity');

    const quiet = daysSince(lastAt, now);
    const risks: string[] = [];
    if (quiet === null) risks.push('No recorded activity at all');
    else if (quiet > 60) risks.push(`No activity for ${quiet} days`);
    if (trend === 'declining')
      risks.push(`Engagement falling: ${last90} activities in the last 90 days vs ${previous90} before`);
    if (lost.length > 0) risks.push(`${lost.length} lost deal(s) on record`);
    const slipping = open.filter((deal) => Number(deal.closeDateSlips ?? 0) >= 2);
    if (slipping.length > 0) risks.push(`${slipping.length} open deal(s) with repeated close-date slips`);

    const custom = (record.custom as Record<string, unknown> | undefined) ?? {};
    return {
      output: {
        customerId: record.id,
        profile: {
          name: String(record.name),
          type,
          company: (record.company as string | null) ?? null,
          role: (record.role as string | null) ?? null,
          seniority: SENIORITY[seniorityRank(record.role)]!,
          industry: (custom.industry as string | undefined) ?? null,
          customerSince: record.createdAt as string,
        },
        engagementPatterns: {
          totalActivities: activities.length,
          byType,
          lastActivityAt: lastAt,
          daysSinceLastActivity: quiet,
          averageDaysBetween:
            gaps.length > 0 ? Number((gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(1)) : null,
          last90Days: last90,
          previous90Days: previous90,
          trend,
        },
        preferencesAndNeeds: needs,
        growthOpportunities: growth,
        retentionRisks: risks,
      },
      evidence: evidenceOf([
        { entityType: type, record },
        ...deals.map((deal) => ({ entityType: 'deal' as const, record: deal })),
        ...activities.slice(0, 30).map((activity) => ({ entityType: 'activity' as const, record: activity })),
        ...documents.map((document) => ({ entityType: 'document' as const, record: document })),
      ]),
      records: [
        { entityType: type, record },
        ...deals.slice(0, 5).map((deal) => ({ entityType: 'deal' as const, record: deal })),
      ],
    };
  },
});

async function findCustomer(
  context: Parameters<typeof getRecord>[0],
  id: string,
): Promise<{ type: EntityTypeName & ('contact' | 'lead'); record: RecordRow }> {
  for (const type of ['contact', 'lead'] as const) {
    try {
      return { type, record: await getRecord(context, type, id) };
    } catch (error) {
      if (!(error instanceof AppError) || error.statusCode !== 404) throw error;
    }
  }
  throw AppError.notFound(`customer ${id} (no contact or lead with that id)`);
}
