// Opaque keyset cursors: the sort they belong to plus the last row's sort value and id.
import { CrmError } from '../errors.ts';
import type { KeysetPosition, SortSpec } from './repository.ts';

export function encodeCursor(sort: SortSpec, value: unknown, id: string): string {
  return Buffer.from(JSON.stringify([sortKey(sort), value, id])).toString('base64url');
}

export function decodeCursor(cursor: string, sort: SortSpec): KeysetPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw CrmError.invalidCursor('it is not a cursor this API issued');
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || typeof decoded[2] !== 'string') {
    throw CrmError.invalidCursor('it is not a cursor this API issued');
  }
  if (decoded[0] !== sortKey(sort)) {
    throw CrmError.invalidCursor(`it was issued for sort "${decoded[0]}", not "${sortKey(sort)}"`);
  }
  return { value: decoded[1], id: decoded[2] };
}

function sortKey(sort: SortSpec): string {
  return `${sort.direction === 'desc' ? '-' : ''}${sort.field}`;
}
