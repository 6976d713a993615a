// CSV import for every record type, streamed: rows are parsed (csv-parse), mapped onto the type's fields
// by header (or `field=Column` mappings), the other columns kept as custom fields with a type inferred from
// the first rows, validated one by one, and written in batches. A bad row is reported with its line and
// never stops the others; a dry run validates without writing. Imports by an admin may carry history
// (created and closed dates, stage history), so models trained on imported data see when things happened.
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { assertStorableInput } from '../../platform/http/input-guard.ts';
import { isoTimestamp } from '../../platform/timestamps.ts';
import { describeIssues } from '../../platform/validation-issues.ts';
import { CrmError } from '../errors.ts';
import { dealStages, type EntityType } from '../records/entity-types.ts';
import type { RecordsService } from '../records/service.ts';

export type CustomKind = 'number' | 'boolean' | 'text';

export interface ImportOptions {
  /** `field → CSV column` overrides of the automatic header mapping. */
  mapping?: Record<string, string>;
  dryRun?: boolean;
  /** Whether the caller may set history fields (admins). */
  allowHistory?: boolean;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  rows: number;
  imported: number;
  failed: number;
  /** Bytes of the file read so far. */
  bytes: number;
}

export interface LineError {
  /** 1-based line of the file (the header is line 1). */
  line: number;
  message: string;
}

export interface ImportReport extends ImportProgress {
  type: string;
  dryRun: boolean;
  /** Field → the column it was read from. */
  mapping: Record<string, string>;
  /** Columns stored as custom fields, with the type their values were read as. */
  custom: Record<string, CustomKind>;
  errors: LineError[];
  /** More rows failed than `errors` lists. */
  errorsTruncated: boolean;
}

const BATCH_ROWS = 500;
/** Rows read before custom columns' types are decided. */
const INFERENCE_ROWS = 1000;
const MAX_REPORTED_ERRORS = 1000;
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

/** History fields an admin import may set, beyond each type's own fields. */
const HISTORY_FIELDS = ['createdAt', 'updatedAt', 'closedAt', 'stageHistory'] as const;
const historyShape = {
  createdAt: isoTimestamp.optional(),
  updatedAt: isoTimestamp.optional(),
};
const dealHistoryShape = {
  ...historyShape,
  closedAt: isoTimestamp.optional(),
  stageHistory: z
    .array(z.object({ stage: z.enum(dealStages), from: z.enum(dealStages).nullable(), at: isoTimestamp }))
    .optional(),
};

/** Header spellings other tools export, by field (compared without case, spaces or punctuation). */
const SYNONYMS: Record<string, string[]> = {
  name: ['fullname', 'contactname', 'leadname', 'dealname', 'opportunityname'],
  email: ['emailaddress', 'mail', 'workemail'],
  phone: ['phonenumber', 'telephone', 'mobile', 'tel'],
  company: ['companyname', 'organization', 'organisation', 'account', 'accountname'],
  role: ['title', 'jobtitle', 'position'],
  source: ['leadsource', 'origin'],
  status: ['leadstatus', 'dealstatus'],
  stage: ['dealstage', 'pipelinestage'],
  amount: ['value', 'dealvalue', 'dealamount', 'dealsize'],
  expectedCloseDate: ['closedate', 'expectedclose'],
  notes: ['note', 'comments', 'comment'],
  createdAt: ['created', 'createddate', 'createdon', 'datecreated'],
  closedAt: ['closeddate', 'closedon', 'dateclosed'],
  convertedAt: ['converteddate', 'convertedon'],
  occurredAt: ['date', 'occurred', 'activitydate'],
};

const normalise = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The writable fields of a type, history included when allowed. */
function fieldsOf(type: EntityType): string[] {
  const own = Object.keys(type.createSchema.shape).filter((field) => field !== 'custom');
  const history = type.name === 'deal' ? HISTORY_FIELDS : HISTORY_FIELDS.slice(0, 2);
  return [...own, ...history];
}

/** Which column each field is read from: explicit mappings first, then headers by name or synonym. */
export function mapColumns(
  type: EntityType,
  headers: readonly string[],
  explicit: Record<string, string> = {},
): Record<string, string> {
  const fields = fieldsOf(type);
  const mapping: Record<string, string> = {};
  for (const [field, column] of Object.entries(explicit)) {
    if (!fields.includes(field)) throw CrmError.importMapping(`${type.name} has no field "${field}"`);
    if (!headers.includes(column)) throw CrmError.importMapping(`the file has no column "${column}"`);
    mapping[field] = column;
  }
  const taken = new Set(Object.values(mapping));
  for (const field of fields) {
    if (mapping[field]) continue;
    const names = [normalise(field), ...(SYNONYMS[field] ?? [])];
    const column = headers.find((header) => !taken.has(header) && names.includes(normalise(header)));
    if (column) {
      mapping[field] = column;
      taken.add(column);
    }
  }
  return mapping;
}

/** `field=Column` pairs, from a repeated or comma-separated `map` parameter. */
export function parseMappings(values: readonly string[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const pair of values.flatMap((value) => value.split(','))) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw CrmError.importMapping(`"${pair}" is not field=Column`);
    mapping[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return mapping;
}

function inferKind(values: readonly string[]): CustomKind {
  const present = values.filter((value) => value !== '');
  if (present.length === 0) return 'text';
  if (present.every((value) => /^(true|false)$/i.test(value))) return 'boolean';
  if (present.every((value) => /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value))) return 'number';
  return 'text';
}

function customValue(kind: CustomKind, value: string): unknown {
  if (kind === 'number') return Number(value);
  if (kind === 'boolean') return value.toLowerCase() === 'true';
  return value;
}

/** A field's value from its cell: numbers for numeric fields, lists for tags, JSON for stage history. */
function fieldValue(field: string, value: string): unknown {
  if (field === 'amount') return /^[-+]?\d/.test(value) ? Number(value.replace(/[,\s]/g, '')) : value;
  if (field === 'tags')
    return value
      .split(/[;|]/)
      .map((tag) => tag.trim())
      .filter(Boolean);
  if (field === 'stageHistory') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

export class CsvImporter {
  constructor(private readonly records: RecordsService) {}

  async import(
    type: EntityType,
    workspaceId: string,
    input: Readable,
    options: ImportOptions = {},
  ): Promise<ImportReport> {
    let bytes = 0;
    input.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_IMPORT_BYTES) input.destroy(CrmError.importTooLarge(MAX_IMPORT_BYTES));
    });
    const parser = input.pipe(
      parse({ bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true }),
    );
    input.on('error', (error) => parser.destroy(error));

    const report: ImportReport = {
      type: type.name,
      dryRun: Boolean(options.dryRun),
      rows: 0,
      imported: 0,
      failed: 0,
      bytes: 0,
      mapping: {},
      custom: {},
      errors: [],
      errorsTruncated: false,
    };
    const fail = (line: number, message: string) => {
      report.failed++;
      if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push({ line, message });
      else report.errorsTruncated = true;
    };

    let headers: string[] | undefined;
    // Where each mapped field and each custom column sits in a row, decided once from the header.
    let fieldCells: [field: string, index: number][] = [];
    let customCells: [column: string, index: number][] = [];
    let schema: z.ZodType | undefined;
    const pending: { line: number; cells: string[] }[] = [];
    let batch: { line: number; input: Record<string, unknown> }[] = [];

    const decideColumns = () => {
      report.mapping = mapColumns(type, headers!, options.mapping);
      const usesHistory = HISTORY_FIELDS.some((field) => report.mapping[field]);
      if (usesHistory && !options.allowHistory) throw CrmError.historyNeedsAdmin();
      const mapped = new Set(Object.values(report.mapping));
      fieldCells = Object.entries(report.mapping).map(([field, column]) => [field, headers!.indexOf(column)]);
      customCells = headers!.flatMap((header, index): [string, number][] =>
        header !== '' && !mapped.has(header) ? [[header, index]] : [],
      );
      for (const [column, index] of customCells) {
        report.custom[column] = inferKind(pending.map(({ cells }) => cells[index] ?? ''));
      }
      schema = type.createSchema.extend(type.name === 'deal' ? dealHistoryShape : historyShape);
    };

    const toInput = (cells: string[]): Record<string, unknown> => {
      const input: Record<string, unknown> = {};
      for (const [field, index] of fieldCells) {
        const value = cells[index] ?? '';
        if (value !== '') input[field] = fieldValue(field, value);
      }
      const custom: Record<string, unknown> = {};
      for (const [column, index] of customCells) {
        const value = cells[index] ?? '';
        if (value !== '') custom[column.slice(0, 64)] = customValue(report.custom[column]!, value);
      }
      if (Object.keys(custom).length > 0) input.custom = custom;
      return input;
    };

    const flush = async () => {
      const rows = batch;
      batch = [];
      if (rows.length === 0) return;
      if (!options.dryRun)
        await this.write(type, workspaceId, rows, Boolean(options.allowHistory), report, fail);
      else report.imported += rows.length;
      report.bytes = bytes;
      options.onProgress?.({ rows: report.rows, imported: report.imported, failed: report.failed, bytes });
    };

    const take = async (line: number, cells: string[]) => {
      report.rows++;
      const input = toInput(cells);
      try {
        assertStorableInput(input, `line ${line}`);
      } catch (error) {
        return fail(line, (error as Error).message);
      }
      const parsed = schema!.safeParse(input);
      if (!parsed.success) fail(line, describeIssues(parsed.error, 'row'));
      else batch.push({ line, input: parsed.data as Record<string, unknown> });
      if (batch.length >= BATCH_ROWS) await flush();
    };

    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!headers) {
        headers = record.map((header) => header.trim());
        if (new Set(headers).size !== headers.length)
          throw CrmError.importMapping('the header repeats a column name');
        continue;
      }
      if (!schema) {
        pending.push({ line: info.lines, cells: record });
        if (pending.length < INFERENCE_ROWS) continue;
        decideColumns();
        for (const row of pending.splice(0)) await take(row.line, row.cells);
        continue;
      }
      await take(info.lines, record);
    }
    if (!headers) throw CrmError.importMapping('the file is empty: it needs a header line');
    if (!schema) {
      decideColumns();
      for (const row of pending.splice(0)) await take(row.line, row.cells);
    }
    await flush();
    report.bytes = bytes;
    return report;
  }

  /** A batch in one transaction; if it fails as a whole, row by row, so each bad row is named. */
  private async write(
    type: EntityType,
    workspaceId: string,
    rows: { line: number; input: Record<string, unknown> }[],
    history: boolean,
    report: ImportReport,
    fail: (line: number, message: string) => void,
  ): Promise<void> {
    try {
      await this.records.createMany(
        type,
        workspaceId,
        rows.map((row) => row.input),
        { history },
      );
      report.imported += rows.length;
      return;
    } catch (error) {
      if (!(error instanceof CrmError)) throw error;
    }
    for (const row of rows) {
      try {
        await this.records.createMany(type, workspaceId, [row.input], { history });
        report.imported++;
      } catch (error) {
        if (!(error instanceof CrmError)) throw error;
        fail(row.line, error.message);
      }
    }
  }
}
