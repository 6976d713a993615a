// The six CRM record types: their fields (zod), filters, sorts and links, described once and used by the
// one generic repository, service and route set.
import { z } from 'zod';
import { isoDate, isoTimestamp } from '../../platform/timestamps.ts';

const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) => text(max).nullish();
const longText = optionalText(100_000);

/** Client-supplied ids are allowed for imports; otherwise the server assigns a UUID. */
export const recordIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'ids are 1-64 characters of letters, digits and _ . : -');

const CUSTOM_FIELDS_MAX_BYTES = 16 * 1024;
/**
 * Any JSON value. Bodies arrive through JSON.parse, so every value already is one; zod's recursive z.json()
 * added nothing but a `$ref` to a schema the OpenAPI document never carried (42 broken references).
 */
const jsonValueSchema = z.unknown();

export const customFieldsSchema = z
  .record(z.string().min(1).max(64), jsonValueSchema)
  .refine((value) => JSON.stringify(value).length <= CUSTOM_FIELDS_MAX_BYTES, {
    message: `custom fields must serialise to at most ${CUSTOM_FIELDS_MAX_BYTES} bytes`,
  });

const tagsSchema = z.array(text(64).min(1)).max(50);
export const entityTypeNames = ['contact', 'lead', 'deal', 'activity', 'project', 'document'] as const;
export type EntityTypeName = (typeof entityTypeNames)[number];
export const entityTypeNameSchema = z.enum(entityTypeNames);

export const leadStatuses = ['new', 'contacted', 'qualified', 'converted', 'unqualified'] as const;
export const dealStages = [
  'prospecting',
  'qualification',
  'proposal',
  'negotiation',
  'closed_won',
  'closed_lost',
] as const;
export const dealStatuses = ['open', 'won', 'lost'] as const;
export const activityTypes = ['call', 'email', 'meeting', 'note', 'task'] as const;
export const projectStatuses = ['planned', 'active', 'on_hold', 'completed', 'cancelled'] as const;

/** RFC 5321 limits what zod's pattern does not: a local part (before the @) of at most 64 characters. */
const emailSchema = z
  .email()
  .max(320)
  .refine((email) => email.lastIndexOf('@') <= 64, {
    message: 'the part before @ may be at most 64 characters',
  });

const contactFields = {
  name: text(200).min(1),
  email: emailSchema.nullish(),
  phone: optionalText(50),
  company: optionalText(200),
  role: optionalText(200),
  notes: longText,
  tags: tagsSchema.optional(),
};

const leadFields = {
  name: text(200).min(1),
  email: emailSchema.nullish(),
  phone: optionalText(50),
  company: optionalText(200),
  role: optionalText(200),
  source: optionalText(100),
  status: z.enum(leadStatuses).optional(),
  requirements: longText,
  notes: longText,
  convertedAt: isoTimestamp.nullish(),
  tags: tagsSchema.optional(),
};

const dealFields = {
  name: text(200).min(1),
  description: longText,
  requirements: longText,
  notes: longText,
  amount: z.number().finite().min(0).max(1e13).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
    .optional(),
  stage: z.enum(dealStages).optional(),
  status: z.enum(dealStatuses).optional(),
  expectedCloseDate: isoDate.nullish(),
  contactId: recordIdSchema.nullish(),
  leadId: recordIdSchema.nullish(),
  company: optionalText(200),
};

const activityFields = {
  type: z.enum(activityTypes),
  subject: optionalText(300),
  notes: longText,
  outcome: optionalText(2000),
  followUpNotes: longText,
  occurredAt: isoTimestamp.optional(),
  relatedType: entityTypeNameSchema.nullish(),
  relatedId: recordIdSchema.nullish(),
};

const projectFields = {
  name: text(200).min(1),
  description: longText,
  requirements: longText,
  notes: longText,
  status: z.enum(projectStatuses).optional(),
  dealId: recordIdSchema.nullish(),
};

const documentFields = {
  title: text(300).min(1),
  content: z.string().max(1_000_000),
  summary: optionalText(10_000),
  mimeType: optionalText(100),
  relatedType: entityTypeNameSchema.nullish(),
  relatedId: recordIdSchema.nullish(),
};

const systemFields = {
  id: z.string(),
  workspaceId: z.string(),
  custom: z.record(z.string(), jsonValueSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
};

/** A link from one record to another in the same workspace; checked on every write. */
export type Link = { idField: string; type: EntityTypeName } | { idField: string; typeField: string };

export type RecordRow = Record<string, unknown> & {
  id: string;
  workspaceId: string;
  createdAt: string;
  updatedAt: string;
};

export interface EntityType {
  name: EntityTypeName;
  /** URL segment and table name. */
  plural: string;
  table: string;
  createSchema: z.ZodObject;
  updateSchema: z.ZodObject;
  recordSchema: z.ZodObject;
  /** Every stored field of the type, system fields included. */
  columns: readonly string[];
  jsonFields: readonly string[];
  /** Timestamp inputs, normalised to UTC with milliseconds before they are stored. */
  timestampFields: readonly string[];
  /** Query parameters that filter by equality on the column of the same name. */
  equalityFilters: readonly string[];
  /** Columns filterable by `<field>Min` / `<field>Max`. */
  rangeFilters: Readonly<Record<string, 'number' | 'timestamp'>>;
  /** Non-null columns the list endpoint can sort by (keyset pagination needs non-null values). */
  sorts: readonly string[];
  /** Columns the `q` parameter matches (case-insensitive substring). */
  textFields: readonly string[];
  links: readonly Link[];
  /** Defaults and derived fields on create. */
  prepareCreate(input: Record<string, unknown>, now: string): Record<string, unknown>;
  /** Derived fields on update, given the stored record. */
  prepareUpdate(existing: RecordRow, patch: Record<string, unknown>, now: string): Record<string, unknown>;
}

function defineEntity(
  spec: Omit<
    EntityType,
    'createSchema' | 'updateSchema' | 'recordSchema' | 'columns' | 'prepareCreate' | 'prepareUpdate'
  > & {
    fields: z.ZodRawShape;
    derivedFields?: z.ZodRawShape;
    prepareCreate?: EntityType['prepareCreate'];
    prepareUpdate?: EntityType['prepareUpdate'];
  },
): EntityType {
  const { fields, derivedFields = {}, ...rest } = spec;
  const createSchema = z
    .object({ ...fields, id: recordIdSchema.optional(), custom: customFieldsSchema.optional() })
    .strict();
  const updateSchema = z
    .object({ ...fields, custom: customFieldsSchema.optional() })
    .partial()
    .strict()
    .refine((patch) => Object.keys(patch).length > 0, { message: 'an update needs at least one field' });
  // Stored rows always carry every column: optional inputs come back as null.
  const recordShape: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries({ ...fields, ...derivedFields })) {
    recordShape[key] = (schema as z.ZodType).nullable();
  }
  const recordSchema = z.object({ ...recordShape, ...systemFields });
  return {
    ...rest,
    columns: Object.keys(recordSchema.shape),
    createSchema,
    updateSchema: updateSchema as unknown as z.ZodObject,
    recordSchema,
    prepareCreate: spec.prepareCreate ?? ((input) => input),
    prepareUpdate: spec.prepareUpdate ?? ((_existing, patch) => patch),
  };
}

const stageToStatus = (stage: string): (typeof dealStatuses)[number] =>
  stage === 'closed_won' ? 'won' : stage === 'closed_lost' ? 'lost' : 'open';

export interface StageChange {
  stage: string;
  from: string | null;
  at: string;
}

export const entityTypes: Record<EntityTypeName, EntityType> = {
  contact: defineEntity({
    name: 'contact',
    plural: 'contacts',
    table: 'contacts',
    fields: contactFields,
    jsonFields: ['tags', 'custom'],
    timestampFields: [],
    equalityFilters: ['email', 'company', 'role'],
    rangeFilters: { createdAt: 'timestamp', updatedAt: 'timestamp' },
    sorts: ['createdAt', 'updatedAt', 'name'],
    textFields: ['name', 'email', 'company'],
    links: [],
    prepareCreate: (input) => ({ tags: [], ...input }),
  }),

  lead: defineEntity({
    name: 'lead',
    plural: 'leads',
    table: 'leads',
    fields: leadFields,
    jsonFields: ['tags', 'custom'],
    timestampFields: ['convertedAt'],
    equalityFilters: ['status', 'source', 'company', 'email'],
    rangeFilters: { createdAt: 'timestamp', updatedAt: 'timestamp', convertedAt: 'timestamp' },
    sorts: ['createdAt', 'updatedAt', 'name'],
    textFields: ['name', 'email', 'company'],
    links: [],
    prepareCreate: (input, now) => {
      const status = (input.status as string | undefined) ?? 'new';
      return {
        tags: [],
        ...input,
        status,
        convertedAt: input.convertedAt ?? (status === 'converted' ? now : null),
      };
    },
    prepareUpdate: (existing, patch, now) => {
      // Converting a lead stamps when it happened, once, unless the caller says otherwise.
      if (
        patch.status === 'converted' &&
        existing.status !== 'converted' &&
        patch.convertedAt === undefined
      ) {
        return { ...patch, convertedAt: now };
      }
      return patch;
    },
  }),

  deal: defineEntity({
    name: 'deal',
    plural: 'deals',
    table: 'deals',
    fields: dealFields,
    derivedFields: {
      closeDateSlips: z.number().int(),
      closedAt: z.string(),
      stageHistory: z.array(z.object({ stage: z.string(), from: z.string().nullable(), at: z.string() })),
    },
    jsonFields: ['stageHistory', 'custom'],
    timestampFields: [],
    equalityFilters: ['stage', 'status', 'currency', 'company', 'contactId', 'leadId'],
    rangeFilters: { createdAt: 'timestamp', updatedAt: 'timestamp', amount: 'number' },
    sorts: ['createdAt', 'updatedAt', 'name', 'amount'],
    textFields: ['name', 'company'],
    links: [
      { idField: 'contactId', type: 'contact' },
      { idField: 'leadId', type: 'lead' },
    ],
    prepareCreate: (input, now) => {
      const stage = (input.stage as string | undefined) ?? 'prospecting';
      const status = (input.status as string | undefined) ?? stageToStatus(stage);
      return {
        amount: 0,
        currency: 'USD',
        ...input,
        stage,
        status,
        closeDateSlips: 0,
        closedAt: status === 'open' ? null : now,
        stageHistory: [{ stage, from: null, at: now } satisfies StageChange],
      };
    },
    prepareUpdate: (existing, patch, now) => {
      const next: Record<string, unknown> = { ...patch };
      if (typeof patch.stage === 'string' && patch.stage !== existing.stage) {
        const history = (existing.stageHistory as StageChange[] | undefined) ?? [];
        next.stageHistory = [...history, { stage: patch.stage, from: existing.stage as string, at: now }];
        if (patch.status === undefined) next.status = stageToStatus(patch.stage);
      }
      const status = (next.status as string | undefined) ?? (existing.status as string);
      if (status !== existing.status) next.closedAt = status === 'open' ? null : now;
      // A close date moved later is a slip: a classic signal of a deal at risk.
      const previousClose = existing.expectedCloseDate as string | null;
      const nextClose = patch.expectedCloseDate as string | null | undefined;
      if (previousClose && nextClose && nextClose > previousClose) {
        next.closeDateSlips = ((existing.closeDateSlips as number) ?? 0) + 1;
      }
      return next;
    },
  }),

  activity: defineEntity({
    name: 'activity',
    plural: 'activities',
    table: 'activities',
    fields: activityFields,
    jsonFields: ['custom'],
    timestampFields: ['occurredAt'],
    equalityFilters: ['type', 'relatedType', 'relatedId'],
    rangeFilters: { createdAt: 'timestamp', updatedAt: 'timestamp', occurredAt: 'timestamp' },
    sorts: ['createdAt', 'updatedAt', 'occurredAt'],
    textFields: ['subject', 'notes', 'outcome'],
    links: [{ idField: 'relatedId', typeField: 'relatedType' }],
    prepareCreate: (input, now) => ({ occurredAt: now, ...input }),
  }),

  project: defineEntity({
    name: 'project',
    plural: 'projects',
    table: 'projects',
    fields: projectFields,
    jsonFields: ['custom'],
    timestampFields: [],
    equalityFilters: ['status', 'dealId'],
    rangeFilters: { createdAt: 'timestamp', updatedAt: 'timestamp' },
    sorts: ['createdAt', 'updatedAt', 'name'],
    textFields: ['name', 'description'],
    links: [{ idField: 'dealId', type: 'deal' }],
    prepareCreate: (input) => ({ status: 'planned', ...input }),
  }),

  document: defineEntity({
    name: 'document',
    plural: 'documents',
    table: 'documents',
    fields: documentFields,
    jsonFields: ['custom'],
    timestampFields: [],
    equalityFilters: ['mimeType', 'relatedType', 'relatedId'],
    rangeFilters: { createdAt: 'timestamp', updatedAt: 'timestamp' },
    sorts: ['createdAt', 'updatedAt', 'title'],
    textFields: ['title', 'summary'],
    links: [{ idField: 'relatedId', typeField: 'relatedType' }],
    // The column is required: an absent or null type is plain text, on create and on update alike.
    prepareCreate: (input) => ({ ...input, mimeType: input.mimeType ?? 'text/plain' }),
    prepareUpdate: (_existing, patch) =>
      patch.mimeType === null ? { ...patch, mimeType: 'text/plain' } : patch,
  }),
};

export const entityTypeList = Object.values(entityTypes);
