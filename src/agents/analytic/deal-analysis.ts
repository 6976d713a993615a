// Deal analysis: the workspace's deal-win model gives the probability; its feature effects are the success
// and risk factors; the timeline compares the expected close date, slips and time in the current stage with
// what won deals in this workspace took.
import { z } from 'zod';
import { defineAgent, evidenceOf } from '../agent.ts';
import { dealFeatures, describeFeature } from '../learning/features.ts';
import { capitalise } from './lead-qualification.ts';
import { activitiesOf, DAY_MS, daysSince, getRecord, median } from './reader.ts';

export const dealAnalysisOutput = z.object({
  dealId: z.string(),
  winProbability: z.number().min(0).max(1),
  riskFactors: z.array(z.string()),
  successFactors: z.array(z.string()),
  strategies: z.array(z.string()),
  timeline: z.object({
    stage: z.string().nullable(),
    daysInStage: z.number().nullable(),
    expectedCloseDate: z.string().nullable(),
    daysToClose: z.number().nullable(),
    closeDateSlips: z.number(),
    typicalDaysToWin: z.number().nullable(),
    assessment: z.enum(['on track', 'at risk', 'overdue', 'closed']),
  }),
  model: z.object({
    basis: z.enum(['workspace history', 'prior']),
    won: z.number().int(),
    lost: z.number().int(),
    trainedAt: z.string(),
  }),
});

const STRATEGIES: Record<string, string> = {
  logAmountVsMedian: 'Offer a phased rollout to bring the first commitment nearer the typical deal size',
  closeDateSlips: 'Agree a mutual close plan with dated steps: the close date has slipped',
  activities: 'Increase touchpoints: book a working session with the buying team',
  recentlyActive: 'Re-engage this week: the deal has gone quiet',
  contactSeniority: 'Get an executive sponsor on the customer side',
  fromLead: 'Re-qualify need and budget: the deal did not come through lead qualification',
  industry: 'Bring a case study from the same industry',
};

export const dealAnalysisAgent = defineAgent({
  name: 'dealAnalysis',
  description:
    'Predicts a deal’s win probability from this workspace’s won and lost deals, with risks, success factors, strategies and a timeline check.',
  input: z.object({ dealId: z.string().min(1) }).strict(),
  output: dealAnalysisOutput,
  instructions:
    'Analyse the deal. Keep winProbability close to the model estimate unless the records contradict it; make the strategies specific to the risks.',
  async analyze(context, input) {
    const deal = await getRecord(context, 'deal', input.dealId);
    const [activities, models] = await Promise.all([
      activitiesOf(context, 'deal', deal.id),
      context.models.forWorkspace(context.workspaceId),
    ]);
    const contact = deal.contactId ? models.snapshot.contacts.get(deal.contactId as string) : undefined;
    const lastAt = (activities[0]?.occurredAt as string | undefined) ?? null;
    const features = dealFeatures(deal, {
      engagement: { count: activities.length, lastAt },
      contact,
      medianAmount: models.snapshot.medianAmount,
      asOfMs: Date.now(),
    });
    const { model } = models.deal;
    const closed = deal.status === 'won' || deal.status === 'lost';
    const probability = closed ? (deal.status === 'won' ? 1 : 0) : model.probability(features);
    const effects = model.contributions(features).filter((c) => Math.abs(c.effect) >= 0.05);
    const risks = effects.filter((c) => c.effect < 0).slice(0, 4);
    const successes = effects.filter((c) => c.effect > 0).slice(0, 4);

    const history = (deal.stageHistory as { stage: string; at: string }[] | undefined) ?? [];
    const daysInStage = daysSince(history.at(-1)?.at ?? deal.createdAt);
    const expected = (deal.expectedCloseDate as string | null) ?? null;
    const daysToClose = expected ? Math.round((Date.parse(expected) - Date.now()) / DAY_MS) : null;
    const wonDurations = models.snapshot.deals
      .filter((other) => other.status === 'won' && other.closedAt)
      .map(
        (other) => (Date.parse(other.closedAt as string) - Date.parse(other.createdAt as string)) / DAY_MS,
      );
    const typicalDaysToWin = wonDurations.length > 0 ? Math.round(median(wonDurations)) : null;
    const slips = Number(deal.closeDateSlips ?? 0);
    const assessment = closed
      ? 'closed'
      : daysToClose !== null && daysToClose < 0
        ? 'overdue'
        : slips >= 2 || (daysSince(lastAt) ?? 99) > 21
          ? 'at risk'
          : 'on track';
    const strategies = closed
      ? [
          deal.status === 'won'
            ? 'Plan onboarding and an expansion review'
            : 'Run a loss review and set a re-engagement date',
        ]
      : [
          ...new Set(
            risks.map((c) => STRATEGIES[c.feature.split('=')[0]!] ?? `Address ${describeFeature(c.feature)}`),
          ),
        ];
    if (!closed && strategies.length === 0)
      strategies.push('Keep momentum: confirm the next meeting and decision date');
    return {
      output: {
        dealId: deal.id,
        winProbability: Number(probability.toFixed(4)),
        riskFactors: risks.map((c) => `${capitalise(describeFeature(c.feature))} lowers the odds`),
        successFactors: successes.map((c) => `${capitalise(describeFeature(c.feature))} raises the odds`),
        strategies,
        timeline: {
          stage: (deal.stage as string | undefined) ?? null,
          daysInStage,
          expectedCloseDate: expected,
          daysToClose,
          closeDateSlips: slips,
          typicalDaysToWin,
          assessment,
        },
        model: {
          basis: models.deal.basis,
          won: models.deal.positives,
          lost: models.deal.negatives,
          trainedAt: models.deal.trainedAt,
        },
      },
      evidence: evidenceOf([
        { entityType: 'deal', record: deal },
        ...(contact ? [{ entityType: 'contact' as const, record: contact }] : []),
        ...activities.slice(0, 20).map((record) => ({ entityType: 'activity' as const, record })),
      ]),
      records: [{ entityType: 'deal', record: deal }],
    };
  },
});
