// Decisions on stated criteria: each option's value per criterion (given, or read from a deal or lead through
// the scoring models), normalised across the options, weighted and summed. Confidence grows with the
// winner's margin and falls with missing values; risks are the criteria where the winner is weakest.
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { type AgentContext, defineAgent, type Evidence } from '../agent.ts';
import { dealAnalysisAgent } from './deal-analysis.ts';
import { leadQualificationAgent } from './lead-qualification.ts';

const optionSchema = z
  .object({
    name: z.string().min(1).max(200),
    values: z.record(z.string().min(1).max(100), z.number().finite()).optional(),
    dealId: z.string().min(1).optional(),
    leadId: z.string().min(1).optional(),
  })
  .strict();
const criterionSchema = z
  .object({
    name: z.string().min(1).max(100),
    weight: z.number().min(0).max(100).default(1),
    prefer: z.enum(['higher', 'lower']).default('higher'),
  })
  .strict();

export const decisionOutput = z.object({
  question: z.string(),
  optionsEvaluated: z.array(
    z.object({
      option: z.string(),
      score: z.number(),
      breakdown: z.record(z.string(), z.number().nullable()),
    }),
  ),
  recommendation: z.string(),
  confidence: z.number().min(0).max(1),
  rationale: z.array(z.string()),
  risks: z.array(z.string()),
});

export const decisionAgent = defineAgent({
  name: 'decision',
  description:
    'Chooses between options on weighted criteria; deal and lead options get their values from the scoring models.',
  input: z
    .object({
      question: z.string().min(1).max(1000),
      options: z.array(optionSchema).min(2).max(50),
      criteria: z.array(criterionSchema).max(20).optional(),
    })
    .strict(),
  output: decisionOutput,
  instructions:
    'Explain the decision: which option, how sure, why, and what could go wrong. Do not change the scores.',
  async analyze(context, input) {
    const evidence: Evidence[] = [];
    const options = await Promise.all(
      input.options.map(async (option) => ({
        name: option.name,
        values: { ...(await derivedValues(context, option, evidence)), ...option.values },
      })),
    );
    const criteria =
      input.criteria && input.criteria.length > 0
        ? input.criteria.map((criterion) => criterionSchema.parse(criterion))
        : [...new Set(options.flatMap((option) => Object.keys(option.values)))].map((name) =>
            criterionSchema.parse({ name }),
          );
    if (criteria.length === 0)
      throw AppError.validation('no criteria: give criteria, option values, or deal or lead options');
    const totalWeight = criteria.reduce((sum, criterion) => sum + criterion.weight, 0) || 1;
    let missing = 0;
    const evaluated = options.map((option) => {
      const breakdown: Record<string, number | null> = {};
      let score = 0;
      for (const criterion of criteria) {
        const values = options
          .map((other) => other.values[criterion.name])
          .filter((v): v is number => v !== undefined);
        const value = option.values[criterion.name];
        if (value === undefined) {
          breakdown[criterion.name] = null;
          missing++;
          continue;
        }
        const low = Math.min(...values);
        const high = Math.max(...values);
        const normalised = high === low ? 1 : (value - low) / (high - low);
        const oriented = criterion.prefer === 'higher' ? normalised : 1 - normalised;
        breakdown[criterion.name] = Number(oriented.toFixed(4));
        score += (criterion.weight / totalWeight) * oriented;
      }
      return { option: option.name, score: Number(score.toFixed(4)), breakdown };
    });
    evaluated.sort((a, b) => b.score - a.score);
    const [best, second] = evaluated as [(typeof evaluated)[number], (typeof evaluated)[number]];
    const margin = best.score - second.score;
    const completeness = 1 - missing / (options.length * criteria.length);
    const confidence = Number(Math.min(1, (0.5 + margin) * completeness).toFixed(3));
    const rationale = criteria
      .filter((criterion) => (best.breakdown[criterion.name] ?? 0) > (second.breakdown[criterion.name] ?? 0))
      .sort((a, b) => b.weight - a.weight)
      .map((criterion) => `${best.option} is stronger on ${criterion.name} (weight ${criterion.weight})`);
    const risks = criteria
      .filter((criterion) => (best.breakdown[criterion.name] ?? 0) < 0.5)
      .map((criterion) => `${best.option} is weak on ${criterion.name}`);
    if (margin < 0.1) risks.unshift(`Close call: ${second.option} scores within ${margin.toFixed(2)}`);
    if (missing > 0) risks.push(`${missing} option/criterion values were missing and scored as nothing`);
    return {
      output: {
        question: input.question,
        optionsEvaluated: evaluated,
        recommendation: best.option,
        confidence,
        rationale: rationale.length > 0 ? rationale : [`${best.option} has the highest weighted score`],
        risks,
      },
      evidence,
      records: [],
    };
  },
});

async function derivedValues(
  context: AgentContext,
  option: z.infer<typeof optionSchema>,
  evidence: Evidence[],
): Promise<Record<string, number>> {
  if (option.dealId) {
    const answer = await dealAnalysisAgent.analyze(context, { dealId: option.dealId });
    evidence.push(...answer.evidence.slice(0, 1));
    const amount = Number(answer.records[0]?.record.amount ?? 0);
    return {
      winProbability: answer.output.winProbability,
      amount,
      expectedValue: answer.output.winProbability * amount,
    };
  }
  if (option.leadId) {
    const answer = await leadQualificationAgent.analyze(context, { leadId: option.leadId });
    evidence.push(...answer.evidence.slice(0, 1));
    return { qualityScore: answer.output.qualityScore };
  }
  return {};
}
