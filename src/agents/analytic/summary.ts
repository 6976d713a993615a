// Extractive summaries: sentences from a record, its activities and documents (or from given text), ranked by
// centrality; action items, risks and opportunities picked by cue phrases among the ranked sentences.
import { z } from 'zod';
import { type EntityTypeName, entityTypeNameSchema, type RecordRow } from '../../crm/records/entity-types.ts';
import { defineAgent, evidenceOf } from '../agent.ts';
import { activitiesOf, documentsOf, formatMoney, getRecord, textOf } from './reader.ts';
import { actionItems, opportunitySentences, rankSentences, riskSentences } from './sentences.ts';

export const summaryOutput = z.object({
  summary: z.string(),
  keyPoints: z.array(z.string()),
  actionItems: z.array(z.string()),
  riskFactors: z.array(z.string()),
  opportunities: z.array(z.string()),
  /** The record's figures a reader looks for first: amount, stage, status, dates. */
  keyNumbers: z.array(z.string()),
  sentencesConsidered: z.number().int(),
});

const TEXT_FIELDS = [
  'description',
  'requirements',
  'notes',
  'content',
  'summary',
  'subject',
  'outcome',
  'followUpNotes',
];

export const summaryAgent = defineAgent({
  name: 'summary',
  description: 'Summarises a record with its activities and documents, or a given text, extractively.',
  input: z
    .object({
      entityType: entityTypeNameSchema.optional(),
      entityId: z.string().min(1).optional(),
      text: z.string().min(1).max(200_000).optional(),
    })
    .strict()
    .refine((value) => value.text || (value.entityType && value.entityId), {
      message: 'give entityType and entityId, or text',
    }),
  output: summaryOutput,
  instructions:
    'Summarise for a busy salesperson: the gist, key points, what to do next, risks and opportunities.',
  async analyze(context, input) {
    const used: { entityType: EntityTypeName; record: RecordRow }[] = [];
    const passages: { text: string; source?: string }[] = [];
    if (input.text) passages.push({ text: input.text });
    if (input.entityType && input.entityId) {
      const record = await getRecord(context, input.entityType, input.entityId);
      const [activities, documents] = await Promise.all([
        activitiesOf(context, input.entityType, record.id),
        documentsOf(context, input.entityType, record.id),
      ]);
      used.push({ entityType: input.entityType, record });
      passages.push({ text: textOf(record, TEXT_FIELDS), source: `${input.entityType}:${record.id}` });
      for (const activity of activities) {
        used.push({ entityType: 'activity', record: activity });
        passages.push({ text: textOf(activity, TEXT_FIELDS), source: `activity:${activity.id}` });
      }
      for (const document of documents) {
        used.push({ entityType: 'document', record: document });
        passages.push({ text: textOf(document, TEXT_FIELDS), source: `document:${document.id}` });
      }
    }
    const ranked = rankSentences(passages.filter((passage) => passage.text.length > 0));
    const subject = used[0];
    const lead = ranked.slice(0, 3).sort((a, b) => a.position - b.position);
    return {
      output: {
        summary:
          lead.length > 0
            ? lead.map((sentence) => sentence.text).join(' ')
            : 'There is no text to summarise.',
        keyPoints: ranked.slice(0, 5).map((sentence) => sentence.text),
        actionItems: actionItems(ranked),
        riskFactors: riskSentences(ranked),
        opportunities: opportunitySentences(ranked),
        keyNumbers: subject ? keyNumbersOf(subject.record, used.length - 1) : [],
        sentencesConsidered: ranked.length,
      },
      evidence: evidenceOf(used),
      records: used.slice(0, 10),
    };
  },
});

function keyNumbersOf(record: RecordRow, related: number): string[] {
  const numbers: string[] = [];
  if (typeof record.amount === 'number' && record.amount > 0) {
    numbers.push(`Amount: ${formatMoney(record.amount, (record.currency as string | undefined) ?? 'USD')}`);
  }
  if (record.stage) numbers.push(`Stage: ${record.stage}`);
  if (record.status) numbers.push(`Status: ${record.status}`);
  if (record.expectedCloseDate) numbers.push(`Expected close: ${record.expectedCloseDate}`);
  if (Number(record.closeDateSlips) > 0) numbers.push(`Close date moved ${record.closeDateSlips} time(s)`);
  if (record.source) numbers.push(`Source: ${record.source}`);
  numbers.push(`Activities and documents: ${related}`);
  return numbers;
}
