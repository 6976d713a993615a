// Lead qualification: the workspace's lead-conversion model scores the lead; its largest positive and negative
// feature effects are the strengths and weaknesses; next actions answer the weaknesses; the estimated value
// is the median won deal in the lead's industry (or the workspace).
import { z } from 'zod';
import type { RecordRow } from '../../crm/records/entity-types.ts';
import { leadClassificationText } from '../../crm/records/profiles.ts';
import { defineAgent, evidenceOf } from '../agent.ts';
import type { ExplainedFactor } from '../learning/scorer.ts';
import { withTrail } from '../learning/workspace-data.ts';
import { activitiesOf, daysSince, formatMoney, getRecord, median } from './reader.ts';
import { modelSummary, scoreAnswerShape, scoredByOf } from './score-answer.ts';

export const leadQualificationOutput = z.object({
  leadId: z.string(),
  qualityScore: z.number().int().min(0).max(100),
  conversionProbability: z.number().min(0).max(1),
  ...scoreAnswerShape,
  strengths: z.array(z.string()),
  weaknesses: z.array(z.string()),
  nextActions: z.array(z.string()),
  urgency: z.enum(['low', 'medium', 'high']),
  estimatedValue: z.string(),
  /** The workspace's deployed lead-conversion classifier (fine-tuning, local provider), when there is one. */
  deployedModel: z
    .object({ jobId: z.string(), modelName: z.string(), conversionProbability: z.number().min(0).max(1) })
    .nullable(),
});

/** What to do about a factor that lowers the odds, given the lead's own value; nothing when no action fits. */
function actionFor(factor: ExplainedFactor): string | undefined {
  const { field, value } = factor;
  if (field === 'seniority' && value !== 'executive')
    return 'Find and engage a decision maker above the current contact';
  if (field === 'engagement.activities') return 'Schedule a discovery call: engagement so far is low';
  if (field === 'engagement.daysSinceLastActivity')
    return value === null
      ? 'Make first contact: nothing is logged yet'
      : 'Re-engage now: the lead has gone quiet';
  if (field === 'hasEmail' && value === false) return 'Get a direct email address';
  if (field === 'hasPhone' && value === false) return 'Get a direct phone number';
  if (field === 'source' && value !== null)
    return `Qualify budget early: leads from ${value} convert below average here`;
  if (field === 'custom.trialStarted' && value !== true) return 'Offer a guided trial or pilot';
  if (field === 'custom.industry' && value !== null) return `Lead with a reference customer from ${value}`;
  return undefined;
}

export const leadQualificationAgent = defineAgent({
  name: 'leadQualification',
  description:
    'Scores a lead 0–100 with a model trained on this workspace’s converted and lost leads, and explains why.',
  input: z.object({ leadId: z.string().min(1) }).strict(),
  output: leadQualificationOutput,
  instructions:
    'Qualify the lead. Keep qualityScore close to the model score unless the records clearly contradict it; explain strengths and weaknesses in sales language; propose concrete next actions.',
  async analyze(context, input) {
    const lead = await getRecord(context, 'lead', input.leadId);
    const [activities, models] = await Promise.all([
      activitiesOf(context, 'lead', lead.id),
      context.models.forWorkspace(context.workspaceId),
    ]);
    const now = Date.now();
    // Engagement from the activities read now, not the snapshot's: the score sees the latest call.
    const result = models.lead.score(lead, withTrail(models.snapshot, 'lead', lead.id, activities), now);
    const probability = result.probability;
    const strengths = result.factors.filter((factor) => factor.direction === 'raises');
    const weaknesses = result.factors.filter((factor) => factor.direction === 'lowers');
    const decided = lead.status === 'converted' || lead.status === 'unqualified';
    const lastAt = (activities[0]?.occurredAt as string | undefined) ?? null;
    const quietDays = daysSince(lastAt);
    const urgency =
      !decided && probability >= 0.6 && (quietDays === null || quietDays <= 14)
        ? 'high'
        : !decided && probability >= 0.35
          ? 'medium'
          : 'low';
    const nextActions = decided
      ? [
          lead.status === 'converted'
            ? 'Lead already converted: work the deal'
            : 'Lead closed as unqualified: nurture only',
        ]
      : [...new Set(weaknesses.map(actionFor).filter((action): action is string => action !== undefined))];
    if (!decided && urgency === 'high')
      nextActions.unshift('Book a meeting this week and prepare a proposal');
    if (nextActions.length === 0) nextActions.push('Schedule a discovery call');
    const value = estimateValue(lead, models.snapshot.deals);
    const deployed = await context.registry?.classifier(context.workspaceId, 'lead-conversion');
    const deployedModel = deployed
      ? {
          jobId: deployed.registrationId,
          modelName: deployed.name,
          conversionProbability: Number(
            (await deployed.classifier.probabilities(leadClassificationText(lead, activities.length)))[
              deployed.classifier.labels.indexOf('converted')
            ]!.toFixed(4),
          ),
        }
      : null;
    return {
      output: {
        leadId: lead.id,
        qualityScore: Math.round(probability * 100),
        conversionProbability: probability,
        confidence: result.confidence,
        confidenceNote: result.confidenceNote,
        factors: result.factors,
        strengths: strengths.map((factor) => factor.text),
        weaknesses: weaknesses.map((factor) => factor.text),
        nextActions,
        urgency,
        estimatedValue: value.text,
        scoredBy: scoredByOf(result, 'leads'),
        model: modelSummary(result),
        deployedModel,
      },
      evidence: evidenceOf([
        { entityType: 'lead', record: lead },
        ...activities.slice(0, 20).map((record) => ({ entityType: 'activity' as const, record })),
        ...value.basis.map((record) => ({ entityType: 'deal' as const, record })),
      ]),
      records: [{ entityType: 'lead', record: lead }],
    };
  },
});

function estimateValue(lead: RecordRow, deals: readonly RecordRow[]): { text: string; basis: RecordRow[] } {
  const industry = (lead.custom as Record<string, unknown> | undefined)?.industry;
  const won = deals.filter((deal) => deal.status === 'won' && Number(deal.amount) > 0);
  const sameIndustry = won.filter(
    (deal) => (deal.custom as Record<string, unknown> | undefined)?.industry === industry,
  );
  const basis = sameIndustry.length >= 5 ? sameIndustry : won;
  if (basis.length === 0) return { text: 'unknown (no won deals yet)', basis: [] };
  // The deals behind the figure: the few nearest the median, as evidence.
  const value = median(basis.map((deal) => Number(deal.amount)));
  const nearest = [...basis].sort(
    (a, b) => Math.abs(Number(a.amount) - value) - Math.abs(Number(b.amount) - value),
  );
  return { text: formatMoney(value), basis: nearest.slice(0, 3) };
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
