// Wires automation: the service, record changes as triggers, the `automation` queue's handler (where jobs
// run), a tick for schedules and score crossings, and the routes.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Agents } from '../agents/index.ts';
import type { Crm } from '../crm/index.ts';
import { mountRoutes } from '../platform/http/mount.ts';
import type { Platform } from '../platform/index.ts';
import { AutomationRepository } from './repository.ts';
import { registerAutomationRoutes } from './routes.ts';
import { AUTOMATION_QUEUE, AutomationService } from './service.ts';
import type { AutomationTables } from './tables.ts';

export interface Automation {
  service: AutomationService;
  close(): void;
}

export function createAutomation(platform: Platform, crm: Crm, agents: Agents): Automation {
  const config = platform.config.automation;
  const service = new AutomationService(
    new AutomationRepository(platform.database.kysely as Kysely<AutomationTables>),
    crm.records,
    agents.orchestrator,
    agents.scores,
    platform.queue,
    platform.log,
    {
      webhooks: { allowedHosts: config.webhookAllowedHosts, timeoutMs: config.webhookTimeoutMs },
      retryBackoffMs: config.retryBackoffMs,
    },
  );
  const unsubscribe = platform.events.on('entity.changed', (event) => service.onChange(event));
  let timer: NodeJS.Timeout | undefined;
  if (platform.config.jobs.run) {
    platform.queue.process<{ runId: string }>(
      AUTOMATION_QUEUE,
      (job) => service.process(job),
      config.concurrency,
    );
    timer = setInterval(() => {
      service.tick().catch((error) => platform.log.warn({ err: error }, 'automation schedule tick failed'));
    }, config.tickMs);
    timer.unref();
  }
  return {
    service,
    close() {
      unsubscribe();
      clearInterval(timer);
    },
  };
}

export function registerAutomationModule(app: FastifyInstance, automation: Automation): void {
  mountRoutes(app, '/api/automations', (routes) => registerAutomationRoutes(routes, automation.service));
}
