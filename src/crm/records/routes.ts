// HTTP for the six record types: /api/workspaces/:workspaceId/<plural>[/batch|/:id].
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workspaceOf } from '../../platform/http/auth.ts';
import { errorResponses, workspaceParams } from '../../platform/http/schemas.ts';
import { isoTimestamp } from '../../platform/timestamps.ts';
import { type EntityType, entityTypeList, recordIdSchema } from './entity-types.ts';
import { MAX_BATCH_RECORDS, MAX_PAGE_SIZE, type RecordsService } from './service.ts';

const recordParams = workspaceParams.extend({ id: recordIdSchema });

export function registerRecordRoutes(app: FastifyInstance, records: RecordsService): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  for (const type of entityTypeList) {
    const base = `/${type.plural}`;
    const tags = [`crm: ${type.plural}`];
    const listQuery = listQuerySchema(type);
    const page = z.object({ data: z.array(type.recordSchema), nextCursor: z.string().nullable() });

    api.get(
      base,
      {
        schema: {
          summary: `List ${type.plural} (cursor pagination, filters, sort)`,
          tags,
          params: workspaceParams,
          querystring: listQuery,
          response: { 200: page, ...errorResponses },
        },
      },
      async (request) => {
        const { limit, cursor, sort, q, ...filters } = request.query;
        return records.list(type, workspaceOf(request).id, {
          ...splitFilters(type, filters),
          text: q,
          sort: parseSort(sort),
          cursor,
          limit,
        });
      },
    );

    api.post(
      base,
      {
        schema: {
          summary: `Create a ${type.name}`,
          tags,
          params: workspaceParams,
          body: type.createSchema,
          response: { 201: type.recordSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const record = await records.create(type, workspaceOf(request).id, request.body);
        return reply.code(201).send(record);
      },
    );

    const batchBody = z
      .object({ records: z.array(type.createSchema).min(1).max(MAX_BATCH_RECORDS) })
      .strict();
    api.post(
      `${base}/batch`,
      {
        schema: {
          summary: `Create up to ${MAX_BATCH_RECORDS} ${type.plural} at once, all or nothing`,
          tags,
          params: workspaceParams,
          body: batchBody,
          response: { 201: z.object({ created: z.number(), ids: z.array(z.string()) }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const created = await records.createMany(type, workspaceOf(request).id, body.records);
        return reply.code(201).send({ created: created.length, ids: created.map((record) => record.id) });
      },
    );

    api.get(
      `${base}/:id`,
      {
        schema: {
          summary: `Get a ${type.name}`,
          tags,
          params: recordParams,
          response: { 200: type.recordSchema, ...errorResponses },
        },
      },
      async (request) => records.get(type, workspaceOf(request).id, request.params.id),
    );

    api.patch(
      `${base}/:id`,
      {
        schema: {
          summary: `Update a ${type.name} (only the fields sent change)`,
          tags,
          params: recordParams,
          body: type.updateSchema,
          response: { 200: type.recordSchema, ...errorResponses },
        },
      },
      async (request) => records.update(type, workspaceOf(request).id, request.params.id, request.body),
    );

    api.delete(
      `${base}/:id`,
      {
        schema: {
          summary: `Delete a ${type.name}`,
          tags,
          params: recordParams,
          response: { 204: z.null(), ...errorResponses },
        },
      },
      async (request, reply) => {
        await records.delete(type, workspaceOf(request).id, request.params.id);
        return reply.code(204).send(null);
      },
    );
  }
}

/** A list request: paging, sort and text, plus the type's own equality and range filters. */
interface ListQuery {
  limit: number;
  cursor?: string;
  sort: string;
  q?: string;
  [filter: string]: string | number | undefined;
}

function listQuerySchema(type: EntityType): z.ZodType<ListQuery> {
  const sortValues = type.sorts.flatMap((field) => [field, `-${field}`]) as [string, ...string[]];
  // The filters differ by type: typed as optional values, read by splitFilters.
  const filters: Record<string, z.ZodOptional<z.ZodType<string | number>>> = {};
  for (const field of type.equalityFilters) filters[field] = z.string().max(320).optional();
  for (const [field, kind] of Object.entries(type.rangeFilters)) {
    const bound = kind === 'number' ? z.coerce.number().finite() : isoTimestamp;
    filters[`${field}Min`] = bound.optional();
    filters[`${field}Max`] = bound.optional();
  }
  return (
    z
      .object(filters)
      .extend({
        limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
        cursor: z.string().max(2000).optional(),
        sort: z.enum(sortValues).default('-createdAt'),
        q: z.string().trim().min(1).max(200).optional(),
      })
      .strict()
      // zod folds the named keys into the filters' index signature; the values were validated just above.
      .pipe(z.custom<ListQuery>())
  );
}

function splitFilters(type: EntityType, filters: Record<string, unknown>) {
  const equals: Record<string, string> = {};
  const ranges: Record<string, { min?: string | number; max?: string | number }> = {};
  for (const field of type.equalityFilters) {
    if (typeof filters[field] === 'string') equals[field] = filters[field];
  }
  for (const [field, kind] of Object.entries(type.rangeFilters)) {
    const normalize = (value: unknown) =>
      value === undefined
        ? undefined
        : kind === 'timestamp'
          ? new Date(value as string).toISOString()
          : (value as number);
    const min = normalize(filters[`${field}Min`]);
    const max = normalize(filters[`${field}Max`]);
    if (min !== undefined || max !== undefined) ranges[field] = { min, max };
  }
  return { equals, ranges };
}

function parseSort(sort: string) {
  return sort.startsWith('-')
    ? { field: sort.slice(1), direction: 'desc' as const }
    : { field: sort, direction: 'asc' as const };
}
