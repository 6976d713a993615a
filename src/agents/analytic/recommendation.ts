// Recommendations. For one lead or deal: its analysis turned into a plan. For the workspace: every open deal
// and lead scored by the workspace's models, ranked by expected value, with effort allocated to where it
// moves the most revenue. In a workflow it builds on earlier steps' findings (next actions, strategies,
// pain points).
import { z } from 'zod';
import type { RecordRow } from '../../crm/records/entity-types.ts';
import { type AgentContext, defineAgent, type Evidence, evidenceOf } from '../agent.ts';
import { lastActivityOf } from '../learning/workspace-data.ts';
import { dealAnalysisAgent } from './deal-analysis.ts';
import { leadQualificationAgent } from './lead-qualification.ts';
import { DAY_MS, daysSince, formatMoney } from './reader.ts';

export const recommendationOutput = z.object({
  scope: z.string(),
  immediateActions: z.array(z.string()),
  shortTermActions: z.array(z.string()),
  longTermStrategies: z.array(z.string()),
  resourceAllocation: z.array(
    z.object({ focus: z.string(), share: z.number().min(0).max(1), reason: z.string() }),
  ),
  predictedOutcomes: z.object({
    horizonDays: z.number().int(),
    openPipeline: z.string(),
    expectedRevenue: z.string(),
    expectedWins: z.number(),
    basis: z.string(),
  }),
});

export const recommendationAgent = defineAgent({
  name: 'recommendation',
  description:
    'Recommends actions for a lead, a deal or the whole pipeline, from the workspace’s scoring models (and earlier workflow steps).',
  input: z
    .object({
      entityType: z.enum(['lead', 'deal']).optional(),
      entityId: z.string().min(1).optional(),
      goal: z.string().max(500).optional(),
    })
    .strict()
    .refine((value) => !value.entityType === !value.entityId, {
      message: 'entityType and entityId go together',
    }),
  output: recommendationOutput,
  instructions:
    'Turn the findings into a prioritised plan: what to do today, this month and this quarter, and where to put the team’s time.',
  async analyze(context, input) {
    const fromSteps = findingsOf(context.previousResults);
    const models = await context.models.forWorkspace(context.workspaceId);
    const now = Date.now();
    const openDeals = models.snapshot.deals
      .filter((deal) => deal.status === 'open')
      .map((deal) => ({ deal, p: models.deal.probability(deal, models.snapshot, now) }))
      .map((item) => ({ ...item, expected: item.p * Number(item.deal.amount ?? 0) }))
      .sort((a, b) => b.expected - a.expected);
    const openLeads = models.snapshot.leads
      .filter((lead) => lead.status === 'new' || lead.status === 'contacted' || lead.status === 'qualified')
      .map((lead) => ({
        lead,
        p: models.lead.probability(lead, models.snapshot, now),
      }))
      .sort((a, b) => b.p - a.p);

    const immediate: string[] = [...fromSteps.actions];
    const evidence: Evidence[] = [];
    const records: { entityType: 'lead' | 'deal'; record: RecordRow }[] = [];
    let scope = 'pipeline';
    if (input.entityType && input.entityId) {
      scope = `${input.entityType}:${input.entityId}`;
      const answer =
        input.entityType === 'lead'
          ? await leadQualificationAgent.analyze(context, { leadId: input.entityId })
          : await dealAnalysisAgent.analyze(context, { dealId: input.entityId });
      const output = answer.output as { nextActions?: string[]; strategies?: string[] };
      immediate.push(...(output.nextActions ?? output.strategies ?? []));
      evidence.push(...answer.evidence);
    }
    const quiet = openDeals.filter(
      ({ deal }) =>
        (daysSince(lastActivityOf(models.snapshot, `deal:${deal.id}`) ?? deal.updatedAt, now) ?? 0) > 14,
    );
    for (const { deal, p } of quiet.slice(0, 3)) {
      immediate.push(
        `Re-engage "${deal.name}": ${formatMoney(Number(deal.amount ?? 0))} at ${Math.round(p * 100)}% and quiet for over two weeks`,
      );
      records.push({ entityType: 'deal', record: deal });
    }
    for (const { lead, p } of openLeads.slice(0, 2)) {
      immediate.push(
        `Call ${lead.name} (${lead.company ?? 'no company'}): ${Math.round(p * 100)}% likely to convert`,
      );
      records.push({ entityType: 'lead', record: lead });
    }
    const shortTerm = [
      ...fromSteps.painPoints.slice(0, 2).map((pain) => `Prepare material that answers: ${pain}`),
      ...openDeals
        .slice(0, 3)
        .map(
          ({ deal, p }) =>
            `Advance "${deal.name}" past ${deal.stage} (${Math.round(p * 100)}% win, ${formatMoney(Number(deal.amount ?? 0))})`,
        ),
    ];
    const slipping = openDeals.filter(({ deal }) => Number(deal.closeDateSlips ?? 0) >= 2).length;
    const longTerm = [
      `Focus prospecting on the profile that converts here: ${describeBestSource(models.snapshot.leads)}`,
      ...(slipping > 0
        ? [`Introduce mutual close plans: ${slipping} open deals have slipped twice or more`]
        : []),
      ...(input.goal ? [`Measure progress against the goal: ${input.goal}`] : []),
    ];
    const totalExpected = openDeals.reduce((sum, item) => sum + item.expected, 0);
    const topExpected = openDeals
      .slice(0, Math.max(1, Math.ceil(openDeals.length * 0.2)))
      .reduce((sum, item) => sum + item.expected, 0);
    const topShare = totalExpected > 0 ? Number((0.8 * (topExpected / totalExpected)).toFixed(2)) : 0.4;
    const allocation = [
      {
        focus: 'top 20% of open deals by expected value',
        share: topShare,
        reason: `they hold ${totalExpected > 0 ? Math.round((100 * topExpected) / totalExpected) : 0}% of expected revenue`,
      },
      {
        focus: 'highest-scoring open leads',
        share: Number(((1 - topShare) * 0.6).toFixed(2)),
        reason: `${openLeads.filter((item) => item.p >= 0.5).length} open leads score 50% or more`,
      },
      {
        focus: 'remaining pipeline hygiene',
        share: Number(((1 - topShare) * 0.4).toFixed(2)),
        reason: 'keep close dates and stages honest',
      },
    ];
    const horizon = 90;
    const closingSoon = openDeals.filter(({ deal }) => {
      const close = deal.expectedCloseDate ? Date.parse(deal.expectedCloseDate as string) : now + 60 * DAY_MS;
      return close <= now + horizon * DAY_MS;
    });
    return {
      output: {
        scope,
        immediateActions: [...new Set(immediate)].slice(0, 6),
        shortTermActions: shortTerm,
        longTermStrategies: longTerm,
        resourceAllocation: allocation,
        predictedOutcomes: {
          horizonDays: horizon,
          openPipeline: formatMoney(openDeals.reduce((sum, item) => sum + Number(item.deal.amount ?? 0), 0)),
          expectedRevenue: formatMoney(closingSoon.reduce((sum, item) => sum + item.expected, 0)),
          expectedWins: Number(closingSoon.reduce((sum, item) => sum + item.p, 0).toFixed(1)),
          basis: `${closingSoon.length} open deals expected to close within ${horizon} days, weighted by the ${models.deal.info.basis === 'prior' ? 'prior' : models.deal.info.basis === 'fine-tuned model' ? 'fine-tuned' : 'workspace-trained'} win model`,
        },
      },
      evidence: [...evidence, ...evidenceOf(records)],
      records,
    };
  },
});

/** Next actions, strategies and pain points found by earlier workflow steps. */
function findingsOf(previous: AgentContext['previousResults']): { actions: string[]; painPoints: string[] } {
  const actions: string[] = [];
  const painPoints: string[] = [];
  for (const result of Object.values(previous ?? {})) {
    if (!result || typeof result !== 'object') continue;
    const output = result as Record<string, unknown>;
    for (const key of ['nextActions', 'strategies', 'immediateActions', 'actionItems'])
      if (Array.isArray(output[key])) actions.push(...(output[key] as unknown[]).map(String));
    if (Array.isArray(output.painPoints)) painPoints.push(...(output.painPoints as unknown[]).map(String));
  }
  return { actions, painPoints };
}

function describeBestSource(leads: readonly RecordRow[]): string {
  const bySource = new Map<string, { converted: number; decided: number }>();
  for (const lead of leads) {
    if (lead.status !== 'converted' && lead.status !== 'unqualified') continue;
    const key = String(lead.source ?? 'unknown');
    const entry = bySource.get(key) ?? { converted: 0, decided: 0 };
    entry.decided++;
    if (lead.status === 'converted') entry.converted++;
    bySource.set(key, entry);
  }
  const ranked = [...bySource]
    .filter(([, entry]) => entry.decided >= 10)
    .sort((a, b) => b[1].converted / b[1].decided - a[1].converted / a[1].decided);
  if (ranked.length === 0) return 'not enough decided leads yet to tell';
  const [source, entry] = ranked[0]!;
  return `leads from ${source} convert at ${Math.round((100 * entry.converted) / entry.decided)}% (${entry.decided} decided)`;
}
