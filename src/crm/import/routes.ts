// POST /api/workspaces/:workspaceId/import/:type — a CSV upload, streamed into records (see csv-import.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { workspaceOf } from '../../platform/http/auth.ts';
import { roleAllows } from '../../platform/http/roles.ts';
import { errorResponses, workspaceParams } from '../../platform/http/schemas.ts';
import { streamBody } from '../../platform/http/stream-body.ts';
import { CrmError } from '../errors.ts';
import { entityTypeList } from '../records/entity-types.ts';
import {
  type CsvImporter,
  type ImportProgress,
  type ImportReport,
  MAX_IMPORT_BYTES,
  parseMappings,
} from './csv-import.ts';

const lineError = z.object({ line: z.number().int(), message: z.string() });

export const importReportSchema = z.object({
  type: z.string(),
  dryRun: z.boolean(),
  rows: z.number().int(),
  imported: z.number().int(),
  failed: z.number().int(),
  bytes: z.number().int(),
  mapping: z.record(z.string(), z.string()),
  custom: z.record(z.string(), z.enum(['number', 'boolean', 'text'])),
  errors: z.array(lineError),
  errorsTruncated: z.boolean(),
});

export function registerImportRoutes(app: FastifyInstance, importer: CsvImporter): void {
  // The body stays a stream: the importer reads it as it arrives, so a large file never sits in memory.
  app.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/import/:type',
    {
      // With `Accept: text/event-stream` the import streams `progress` events and ends with a `report`
      // (or an `error`) event; otherwise it answers with the report as JSON.
      sse: 'dual',
      bodyLimit: MAX_IMPORT_BYTES,
      schema: {
        summary:
          'Import records from a CSV upload (Content-Type: text/csv), streamed; progress as SSE on request',
        description:
          'The header line maps columns to fields (by name or common synonyms; `map=field=Column` overrides); other columns become custom fields with inferred types. Bad rows are reported by line and skipped. `dryRun=true` validates without writing. Admins may import history: createdAt, updatedAt, and for deals closedAt and stageHistory. Send `Accept: text/event-stream` for `progress` events (rows, imported, failed, bytes) after each batch and a final `report` event.',
        tags: ['crm: import'],
        consumes: ['text/csv'],
        params: workspaceParams.extend({
          type: z.enum(entityTypeList.map((type) => type.plural) as [string, ...string[]]),
        }),
        querystring: z
          .object({
            dryRun: z.enum(['true', 'false']).optional(),
            map: z.union([z.string().max(2000), z.array(z.string().max(2000)).max(100)]).optional(),
          })
          .strict(),
        response: { 200: importReportSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const workspace = workspaceOf(request);
      const body = streamBody(request.body, 'text/csv', () =>
        CrmError.importMapping('send the file as the body with Content-Type: text/csv'),
      );
      const { map, dryRun } = request.query;
      const type = entityTypeList.find((candidate) => candidate.plural === request.params.type)!;
      const run = (onProgress?: (progress: ImportProgress) => void) =>
        importer.import(type, workspace.id, body, {
          mapping: parseMappings(map === undefined ? [] : Array.isArray(map) ? map : [map]),
          dryRun: dryRun === 'true',
          allowHistory: roleAllows(workspace.role, 'admin'),
          onProgress,
        });
      if (!reply.sse) return run();
      reply.header('x-request-id', request.id);
      await reply.sse.send(
        progressEvents(run, (error) => request.log.error({ err: error }, 'streamed import failed')),
      );
    },
  );
}

/** The import as server-sent events: `progress` after each batch, then `report`, or `error` with the API's error body. */
async function* progressEvents(
  run: (onProgress: (progress: ImportProgress) => void) => Promise<ImportReport>,
  logFailure: (error: unknown) => void,
): AsyncGenerator<{ event: string; data: unknown }> {
  const pending: { event: string; data: unknown }[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const push = (event: { event: string; data: unknown }) => {
    pending.push(event);
    wake?.();
  };
  run((progress) => push({ event: 'progress', data: progress }))
    .then(
      (report) => push({ event: 'report', data: report }),
      (error: unknown) => {
        // The response is already streaming, so the error handler never sees this: log it here.
        if (!(error instanceof AppError)) logFailure(error);
        push({
          event: 'error',
          data: {
            error:
              error instanceof AppError
                ? { code: error.code, message: error.message }
                : {
                    code: 'INTERNAL',
                    message: 'the import failed; nothing after the last progress event was written',
                  },
          },
        });
      },
    )
    .finally(() => {
      finished = true;
      wake?.();
    });
  for (;;) {
    const next = pending.shift();
    if (next) {
      yield next;
      if (next.event !== 'progress') return;
      continue;
    }
    if (finished) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
}
