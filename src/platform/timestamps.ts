// The one schema for dates and timestamps that reach a database, the same on SQLite and PostgreSQL.
// ISO-8601 admits more than both engines and JavaScript agree on; each rule below was found by fuzzing:
// - years 1900–9999 (UTC): year 0000, or 0001 moved back by an offset, became 1 BC on PostgreSQL, printed in
//   a form no JavaScript date reads (the record was unreadable);
// - offsets within ±14:00 (the widest in use): PostgreSQL refuses displacements past ±15:59 with an error.
// Records store them in the canonical toISOString() form (RecordsService), so text order is time order on SQLite.
import { z } from 'zod';

const EARLIEST_MS = Date.UTC(1900, 0, 1);
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const MAX_OFFSET_MINUTES = 14 * 60;

const inSupportedRange = (value: string) => {
  const time = Date.parse(value);
  return time >= EARLIEST_MS && time <= LATEST_MS;
};

const offsetInRange = (value: string) => {
  const offset = /([+-])(\d{2}):?(\d{2})$/.exec(value);
  return !offset || Number(offset[2]) * 60 + Number(offset[3]) <= MAX_OFFSET_MINUTES;
};

const outOfRange = { message: 'dates must fall between 1900-01-01 and 9999-12-31 (UTC)' };

export const isoTimestamp = z.iso
  .datetime({ offset: true })
  .refine(offsetInRange, { message: 'time zone offsets may be at most ±14:00' })
  .refine(inSupportedRange, outOfRange);

export const isoDate = z.iso.date().refine(inSupportedRange, outOfRange);
