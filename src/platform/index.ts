// The infrastructure every module uses, built once from the configuration. Knows nothing about the CRM.
import type { Config } from '../config.ts';
import { createDatabase, type Database } from './db/database.ts';
import { migrateToLatest } from './db/migrator.ts';
import { createEventBus, type EventBus } from './events.ts';
import { createLogger, type Logger } from './logger.ts';

export interface Platform {
  config: Config;
  log: Logger;
  database: Database;
  events: EventBus;
  close(): Promise<void>;
}

export async function createPlatform(config: Config, log: Logger = createLogger(config)): Promise<Platform> {
  const database = createDatabase(config.database);
  const { applied } = await migrateToLatest(database);
  if (applied.length > 0) log.info({ applied }, 'database migrations applied');
  const events = createEventBus((error, event) => log.error({ err: error, event }, 'event listener failed'));
  return {
    config,
    log,
    database,
    events,
    async close() {
      await database.close();
    },
  };
}
