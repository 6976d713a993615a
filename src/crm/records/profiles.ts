// Records as short plain-text profiles: what fine-tuning datasets are built from and what a deployed
// classifier scores, so that training and scoring read exactly the same text.
import type { RecordRow } from './entity-types.ts';

export const profileText = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
const custom = (record: RecordRow) => (record.custom as Record<string, unknown> | undefined) ?? {};

/** Words for a number's size, so a lexical model can use it. */
function band(value: number, names: [number, string][]): string {
  return names.find(([limit]) => value < limit)?.[1] ?? names.at(-1)![1];
}

export function leadProfile(lead: RecordRow, activities?: number): string {
  const c = custom(lead);
  const employees = Number(c.employees);
  return [
    `Lead: ${profileText(lead.name)}, ${profileText(lead.role) || 'role unknown'} at ${profileText(lead.company) || 'an unknown company'}`,
    c.industry ? `Industry: ${c.industry}` : '',
    employees > 0
      ? `Company size: ${employees} employees (${band(employees, [
          [50, 'small'],
          [500, 'midsize'],
          [5000, 'large'],
          [Infinity, 'enterprise'],
        ])})`
      : '',
    lead.source ? `Source: ${lead.source}` : '',
    c.trialStarted === undefined ? '' : `Trial started: ${c.trialStarted ? 'yes' : 'no'}`,
    activities === undefined
      ? ''
      : `Engagement: ${activities} activities (${band(activities, [
          [1, 'silent'],
          [3, 'light'],
          [6, 'engaged'],
          [Infinity, 'very engaged'],
        ])})`,
    profileText(lead.requirements) ? `Requirements: ${profileText(lead.requirements)}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export function dealProfile(deal: RecordRow): string {
  return [
    `Deal: ${profileText(deal.name)}`,
    deal.amount ? `Amount: ${deal.amount} ${deal.currency ?? 'USD'}` : '',
    deal.stage ? `Stage: ${deal.stage}` : '',
    profileText(deal.description),
    profileText(deal.requirements) ? `Requirements: ${profileText(deal.requirements)}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * What a lead-conversion classifier reads: the profile without free-text requirements (in a few hundred
 * examples their words are noise a classifier fits instead of the profile). Training and scoring share it.
 */
export function leadClassificationText(lead: RecordRow, activities: number): string {
  return leadProfile({ ...lead, requirements: undefined }, activities);
}
