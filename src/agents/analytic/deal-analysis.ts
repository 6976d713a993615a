// Deal analysis: the workspace's deal-win model gives the probability; its feature effects are the success
// and risk factors; the timeline compares the expected close date, slips and time in the current stage with
// what won deals in this workspace took.
import { z } from 'zod';
import { defineAgent, evidenceOf } from '../agent.ts';
import type { ExplainedFactor } from '../learning/scorer.ts';
import { withTrail } from '../learning/workspace-data.ts';
import { activitiesOf, DAY_MS, daysSince, getRecord, median } from './reader.ts';
import { modelSummary, scoreAnswerShape, scoredByOf } from './score-answer.ts';

export const dealAnalysisOutput = z.object({
  dealId: z.string(),
  winProbability: z.number().min(0).max(1),
  ...scoreAnswerShape,
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
});

/** What to do about a factor that lowers the odds, given the deal's own value; nothing when no action fits. */
function strategyFor(factor: ExplainedFactor): string | undefined {
  const { field, value } = factor;
  if (field === 'amount' && value !== null)
    return 'Offer a phased rollout to bring the first commitment nearer the typical deal size';
  if (field === 'closeDateSlips' && Number(value) > 0)
    return 'Agree a mutual close plan with dated steps: the close date has slipped';
  if (field === 'engagement.activities')
    return 'Increase touchpoints: book a working session with the buying team';
  if (field === 'engagement.daysSinceLastActivity')
    return value === null
      ? 'Start engaging: no activity is logged on this deal'
      : 'Re-engage this week: the deal has gone quiet';
  if (field === 'contactSeniority' && value !== 'executive')
    return 'Get an executive sponsor on the customer side';
  if (field === 'fromLead' && value === false)
    return 'Re-qualify need and budget: the deal did not come through lead qualification';
  if (field === 'custom.industry' && value !== null) return `Bring a case study from ${value}`;
  return undefined;
}

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
    const now = Date.now();
    const contact = deal.contactId ? models.snapshot.contacts.get(deal.contactId as string) : undefined;
    const result = models.deal.score(deal, withTrail(models.snapshot, 'deal', deal.id, activities), now);
    const lastAt = (activities[0]?.occurredAt as string | undefined) ?? null;
    const closed = deal.status === 'won' || deal.status === 'lost';
    const probability = closed ? (deal.status === 'won' ? 1 : 0) : result.probability;
    const risks = result.factors.filter((factor) => factor.direction === 'lowers');
    const successes = result.factors.filter((factor) => factor.direction === 'raises');

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
      : [...new Set(risks.map(strategyFor).filter((strategy): strategy is string => strategy !== undefined))];
    if (!closed && strategies.length === 0)
      strategies.push('Keep momentum: confirm the next meeting and decision date');
    return {
      output: {
        dealId: deal.id,
        winProbability: Number(probability.toFixed(4)),
        confidence: closed ? 'high' : result.confidence,
        confidenceNote: closed ? `The deal is closed (${deal.status}).` : result.confidenceNote,
        factors: result.factors,
        riskFactors: risks.map((factor) => factor.text),
        successFactors: successes.map((factor) => factor.text),
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
        scoredBy: scoredByOf(result, 'deals'),
        model: modelSummary(result),
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
