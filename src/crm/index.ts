// Wires the CRM module: identity (users, tokens, workspaces), the six record types and CSV import.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { mountRoutes } from '../platform/http/mount.ts';
import type { Platform } from '../platform/index.ts';
import { IdentityRepository } from './identity/repository.ts';
import { registerIdentityRoutes } from './identity/routes.ts';
import { IdentityService } from './identity/service.ts';
import type { IdentityTables } from './identity/tables.ts';
import { CsvImporter } from './import/csv-import.ts';
import { registerImportRoutes } from './import/routes.ts';
import { RecordsRepository } from './records/repository.ts';
import { registerRecordRoutes } from './records/routes.ts';
import { RecordsService } from './records/service.ts';
import type { RecordTables } from './records/tables.ts';

export interface Crm {
  identity: IdentityService;
  records: RecordsService;
}

export function createCrm(platform: Platform): Crm {
  const db = platform.database.kysely;
  return {
    identity: new IdentityService(new IdentityRepository(db as Kysely<IdentityTables>), platform.cache),
    records: new RecordsService(
      new RecordsRepository(db as Kysely<RecordTables>),
      platform.events,
      platform.cache,
    ),
  };
}

export function registerCrmRoutes(app: FastifyInstance, crm: Crm): void {
  mountRoutes(app, '/api', (routes) => registerIdentityRoutes(routes, crm.identity));
  mountRoutes(app, '/api/workspaces/:workspaceId', (routes) => registerRecordRoutes(routes, crm.records));
  mountRoutes(app, '/api/workspaces/:workspaceId', (routes) =>
    registerImportRoutes(routes, new CsvImporter(crm.records)),
  );
}
