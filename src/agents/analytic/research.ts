// Research from the workspace's own records only: hybrid search for the company or topic, the company's
// contacts, leads and deals, the industry's record in this workspace, and the pain points and competitor
// mentions written in notes. It says plainly that no outside sources were consulted.
import { z } from 'zod';
import type { EntityTypeName, RecordRow } from '../../crm/records/entity-types.ts';
import { entityTypes } from '../../crm/records/entity-types.ts';
import { seniorityRank } from '../../crm/records/features.ts';
import { defineAgent, evidenceOf } from '../agent.ts';
import { DAY_MS, formatMoney, listWhere, median, textOf } from './reader.ts';
import { rankSentences } from './sentences.ts';

export const researchOutput = z.object({
  subject: z.string(),
  /** Whether the workspace holds any record about the subject; when not, the brief says so and nothing else. */
  found: z.boolean(),
  companyBackground: z.object({
    name: z.string().nullable(),
    industry: z.string().nullable(),
    employees: z.number().nullable(),
    region: z.string().nullable(),
    firstSeen: z.string().nullable(),
    contacts: z.number().int(),
    leads: z.number().int(),
    openDeals: z.number().int(),
    wonRevenue: z.string(),
  }),
  industryTrends: z.array(z.string()),
  competitiveLandscape: z.array(z.string()),
  decisionMakers: z.array(
    z.object({ id: z.string(), name: z.string(), role: z.string().nullable(), type: z.string() }),
  ),
  painPoints: z.array(z.string()),
  sources: z.array(z.string()),
});

function nothingFound(subject: string, company: string | null) {
  return {
    output: {
      subject,
      found: false,
      companyBackground: {
        name: company,
        industry: null,
        employees: null,
        region: null,
        firstSeen: null,
        contacts: 0,
        leads: 0,
        openDeals: 0,
        wonRevenue: formatMoney(0),
      },
      industryTrends: [`Nothing about "${subject}" is in this workspace's records`],
      competitiveLandscape: [],
      decisionMakers: [],
      painPoints: [],
      sources: [SOURCES_NOTE],
    },
    evidence: [],
    records: [],
  };
}

const COMPETITION =
  /\b(competitor|competing|compet\w*|alternative|incumbent|versus|vs\.?|switch(ing)? from|evaluat\w+ other|another vendor|cheaper)\b/i;
const SOURCES_NOTE = 'Workspace records only: no outside sources (web, news, databases) were consulted.';

export const researchAgent = defineAgent({
  name: 'research',
  description:
    'Researches a company or topic from this workspace’s records with hybrid search; no outside sources.',
  input: z
    .object({ company: z.string().min(1).max(200).optional(), query: z.string().min(1).max(1000).optional() })
    .strict()
    .refine((value) => value.company || value.query, { message: 'give a company or a query' }),
  output: researchOutput,
  instructions:
    'Write a research brief from these workspace records only. Do not invent facts from outside sources; say when the records are silent.',
  async analyze(context, input) {
    const subject = input.company ?? input.query!;
    const [hits, contacts, leads, deals, models] = await Promise.all([
      context.search.hybridSearch(context.workspaceId, {
        query: subject,
        topK: 20,
        minScore: 0,
        vectorWeight: 0.5,
        fusion: 'weighted',
      }),
      input.company ? listWhere(context, 'contact', { company: input.company }) : Promise.resolve([]),
      input.company ? listWhere(context, 'lead', { company: input.company }) : Promise.resolve([]),
      input.company ? listWhere(context, 'deal', { company: input.company }) : Promise.resolve([]),
      context.models.forWorkspace(context.workspaceId),
    ]);
    const found = new Map<string, { entityType: EntityTypeName; record: RecordRow }>();
    const add = (entityType: EntityTypeName, record: RecordRow) =>
      found.set(`${entityType}:${record.id}`, { entityType, record });
    for (const record of contacts) add('contact', record);
    for (const record of leads) add('lead', record);
    for (const record of deals) add('deal', record);
    const byType = new Map<EntityTypeName, string[]>();
    for (const hit of hits) byType.set(hit.entityType, [...(byType.get(hit.entityType) ?? []), hit.entityId]);
    for (const [type, ids] of byType)
      for (const record of await context.records.getMany(entityTypes[type], context.workspaceId, ids))
        add(type, record);
    // About a company, only its own records count, and those that name it: a search hit about another
    // company is never presented as the subject's.
    const mentions = (record: RecordRow) =>
      textOf(record, [
        'name',
        'title',
        'subject',
        'requirements',
        'notes',
        'description',
        'content',
        'outcome',
        'summary',
      ])
        .toLowerCase()
        .includes(input.company!.toLowerCase());
    const records = [...found.values()].filter(
      ({ record }) =>
        !input.company ||
        String(record.company ?? '').toLowerCase() === input.company.toLowerCase() ||
        mentions(record),
    );
    if (records.length === 0) return nothingFound(subject, input.company ?? null);

    const companyRecords = records.filter(({ record }) => input.company && record.company === input.company);
    const custom = (companyRecords.find(
      ({ record }) => record.custom && Object.keys(record.custom as object).length > 0,
    )?.record.custom ?? {}) as Record<string, unknown>;
    const industry = (custom.industry as string | undefined) ?? null;
    const companyDeals = records.filter(
      ({ entityType, record }) => entityType === 'deal' && record.company === input.company,
    );

    const trends: string[] = [];
    if (industry) {
      const now = Date.now();
      const industryDeals = models.snapshot.deals.filter(
        (deal) => (deal.custom as Record<string, unknown> | undefined)?.industry === industry,
      );
      const closed = industryDeals.filter((deal) => deal.status === 'won' || deal.status === 'lost');
      const won = closed.filter((deal) => deal.status === 'won');
      const recent = industryDeals.filter(
        (deal) => now - Date.parse(deal.createdAt as string) <= 180 * DAY_MS,
      ).length;
      const before = industryDeals.filter((deal) => {
        const age = now - Date.parse(deal.createdAt as string);
        return age > 180 * DAY_MS && age <= 360 * DAY_MS;
      }).length;
      trends.push(
        `${industry}: ${industryDeals.length} deals in this workspace, win rate ${closed.length ? Math.round((100 * won.length) / closed.length) : 0}% of ${closed.length} closed`,
      );
      if (won.length > 0)
        trends.push(
          `Median won ${industry} deal: ${formatMoney(median(won.map((deal) => Number(deal.amount ?? 0))))}`,
        );
      trends.push(
        `New ${industry} deals: ${recent} in the last 180 days vs ${before} in the 180 before (${recent > before ? 'growing' : recent < before ? 'shrinking' : 'flat'})`,
      );
    } else {
      trends.push('The records name no industry for this subject');
    }

    const passages = records.map(({ entityType, record }) => ({
      text: textOf(record, ['requirements', 'notes', 'description', 'content', 'outcome', 'summary']),
      source: `${entityType}:${record.id}`,
    }));
    const ranked = rankSentences(passages);
    const competition = ranked
      .filter((sentence) => COMPETITION.test(sentence.text))
      .slice(0, 5)
      .map((s) => s.text);
    const people = records
      .filter(
        ({ entityType, record }) =>
          (entityType === 'contact' || entityType === 'lead') &&
          (!input.company || record.company === input.company),
      )
      .sort((a, b) => seniorityRank(b.record.role) - seniorityRank(a.record.role))
      .slice(0, 5);

    return {
      output: {
        subject,
        found: true,
        companyBackground: {
          name: input.company ?? null,
          industry,
          employees: typeof custom.employees === 'number' ? custom.employees : null,
          region: (custom.region as string | undefined) ?? null,
          firstSeen: companyRecords.map(({ record }) => record.createdAt as string).sort()[0] ?? null,
          contacts: contacts.length,
          leads: leads.length,
          openDeals: companyDeals.filter(({ record }) => record.status === 'open').length,
          wonRevenue: formatMoney(
            companyDeals
              .filter(({ record }) => record.status === 'won')
              .reduce((sum, { record }) => sum + Number(record.amount ?? 0), 0),
          ),
        },
        industryTrends: trends,
        competitiveLandscape:
          competition.length > 0 ? competition : ['No competitor is mentioned in the workspace records'],
        decisionMakers: people.map(({ entityType, record }) => ({
          id: record.id,
          name: String(record.name),
          role: (record.role as string | null) ?? null,
          type: entityType,
        })),
        painPoints: ranked.slice(0, 5).map((sentence) => sentence.text),
        sources: [SOURCES_NOTE],
      },
      evidence: evidenceOf(records),
      records: records.slice(0, 10),
    };
  },
});
