// Wires fine-tuning: the catalogue, datasets and their routes.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Crm } from '../crm/index.ts';
import type { Platform } from '../platform/index.ts';
import { DatasetService } from './datasets/service.ts';
import { registerFineTuningRoutes } from './routes.ts';

export interface FineTuning {
  datasets: DatasetService;
}

export function createFineTuning(platform: Platform, crm: Crm): FineTuning {
  // biome-ignore lint/suspicious/noExplicitAny: the fine-tuning tables are outside the CRM schema types
  return { datasets: new DatasetService(platform.database.kysely as Kysely<any>, crm.records) };
}

export function registerFineTuningModule(app: FastifyInstance, fineTuning: FineTuning): void {
  registerFineTuningRoutes(app, fineTuning.datasets);
}
