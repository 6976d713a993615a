// The record's own value behind a score factor's column, read from the record as stored: how the
// explanation test checks every factor against the record it explains, apart from the feature code.
import type { RecordRow } from '../../src/crm/records/entity-types.ts';
import { type ScoredEntityType, seniorityOf } from '../../src/crm/records/features.ts';

export function recordValueOf(
  type: ScoredEntityType,
  record: RecordRow,
  column: string,
  context: { contact?: RecordRow } = {},
): unknown {
  if (column.startsWith('custom.')) {
    return (record.custom as Record<string, unknown> | undefined)?.[column.slice('custom.'.length)];
  }
  switch (column) {
    case 'seniority':
      return seniorityOf(record.role);
    case 'contactSeniority':
      return context.contact ? seniorityOf(context.contact.role) : null;
    case 'hasEmail':
      return Boolean(record.email);
    case 'hasPhone':
      return Boolean(record.phone);
    case 'fromLead':
      return Boolean(record.leadId);
    default:
      return type === 'deal' && column === 'amount' && record.amount === 0 ? null : record[column];
  }
}
