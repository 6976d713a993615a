// Lead qualification: the workspace's lead-conversion model scores the lead; its largest positive and negative
// feature effects are the strengths and weaknesses; next actions answer the weaknesses; the estimated value
// is the median won deal in the lead's industry (or the workspace).
import { z } from 'zod';
import type { RecordRow } from '../../crm/records/entity-types.ts';
import { leadClassificationText } from '../../crm/records/profiles.ts';
import { defineAgent, evidenceOf } from '../agent.ts';
import { describeFeature, leadFeatures } from '../learning/features.ts';
import { activitiesOf, daysSince, formatMoney, getRecord, median } from './reader.ts';

export const leadQualificationOutput = z.object({
  leadId: z.string(),
  qualityScore: z.number().int().min(0).max(100),
  conversionProbability: z.number().min(0).max(1),
  strengths: z.array(z.string()),
  weaknesses: z.array(z.string()),
  nextActions: z.array(z.string()),
  urgency: z.enum(['low', 'medium', 'high']),
  estimatedValue: z.string(),
  model: z.object({
    basis: z.enum(['workspace history', 'prior']),
    converted: z.number().int(),
    lost: z.number().int(),
    trainedAt: z.string(),
  }),
  /** The workspace's deployed lead-conversion classifier (fine-tuning, local provider), when there is one. */
  deployedModel: z
    .object({ jobId: z.string(), modelName: z.string(), conversionProbability: z.number().min(0).max(1) })
    .nullable(),
});

const ACTIONS: Record<string, string> = {
  seniority: 'Find and engage a decision maker above the current contact',
  logEmployees: 'Confirm budget and scope: smaller companies convert less often',
  trialStarted: 'Offer a guided trial or pilot',
  activities: 'Schedule a discovery call: engagement so far is low',
  recentlyActive: 'Re-engage now: no activity in the last two weeks',
  hasEmail: 'Get a direct email address',
  hasPhone: 'Get a direct phone number',
  source: 'Qualify budget early: this source converts below average',
  industry: 'Lead with a reference customer from the same industry',
};

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
    const lastAt = (activities[0]?.occurredAt as string | undefined) ?? null;
    const features = leadFeatures(lead, { count: activities.length, lastAt }, Date.now());
    const { model } = models.lead;
    const probability = model.probability(features);
    const effects = model.contributions(features).filter((c) => Math.abs(c.effect) >= 0.05);
    const strengths = effects.filter((c) => c.effect > 0).slice(0, 4);
    const weaknesses = effects.filter((c) => c.effect < 0).slice(0, 4);
    const decided = lead.status === 'converted' || lead.status === 'unqualified';
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
      : [
          ...new Set(
            weaknesses.map(
              (c) => ACTIONS[c.feature.split('=')[0]!] ?? `Improve ${describeFeature(c.feature)}`,
            ),
          ),
        ];
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
        conversionProbability: Number(probability.toFixed(4)),
        strengths: strengths.map((c) => `${capitalise(describeFeature(c.feature))} raises the odds`),
        weaknesses: weaknesses.map((c) => `${capitalise(describeFeature(c.feature))} lowers the odds`),
        nextActions,
        urgency,
        estimatedValue: value.text,
        model: {
          basis: models.lead.basis,
          converted: models.lead.positives,
          lost: models.lead.negatives,
          trainedAt: models.lead.trainedAt,
        },
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
