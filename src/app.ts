// The one place that knows every module: builds the platform, the HTTP server and registers modules.

import { createAgents, registerAgentModule } from './agents/index.ts';
import { recordTrainingData } from './agents/learning/workspace-data.ts';
import { createAi } from './ai/index.ts';
import { createAutomation, registerAutomationModule } from './automation/index.ts';
import type { Config } from './config.ts';
import { createCrm, registerCrmRoutes } from './crm/index.ts';
import { entityTypeNames } from './crm/records/entity-types.ts';
import { createFineTuning, registerFineTuningModule } from './finetune/index.ts';
import { registerMcpRoutes } from './mcp/routes.ts';
import { registerCacheRoutes } from './platform/cache/routes.ts';
import { mountRoutes } from './platform/http/mount.ts';
import { createHttpServer } from './platform/http/server.ts';
import { registerWebPanel } from './platform/http/web-panel.ts';
import { createPlatform } from './platform/index.ts';
import type { Logger } from './platform/logger.ts';
import { registerMonitoringRoutes } from './platform/observability/http.ts';
import { createVector, registerVectorModule } from './vector/index.ts';

export async function buildApp(config: Config, log?: Logger) {
  const platform = await createPlatform(config, log);
  const crm = createCrm(platform);
  const ai = await createAi(platform);
  const vector = await createVector(platform, crm, ai);
  const fineTuning = createFineTuning(platform, crm, ai.registry, recordTrainingData(crm.records));
  const agents = createAgents(platform, crm, vector, ai.registry);
  const automation = createAutomation(platform, crm, agents);
  const app = await createHttpServer(platform, crm.identity);
  registerCrmRoutes(app, crm);
  registerVectorModule(app, vector);
  registerAgentModule(app, agents);
  registerAutomationModule(app, automation);
  registerFineTuningModule(app, fineTuning, Math.min(500, config.fineTuning.pollMs));
  mountRoutes(app, '/api/cache', (routes) => registerCacheRoutes(routes, platform.cache, entityTypeNames));
  registerMonitoringRoutes(app, platform);
  registerMcpRoutes(app, crm.identity, platform.log);
  await registerWebPanel(app);
  if (platform.cache.tiers.redisEnabled) {
    // Without Redis the cache serves from L1 and the source: degraded, still able to answer.
    app.readinessChecks.push({ name: 'redis', critical: false, check: () => platform.cache.tiers.ping() });
  }
  app.addHook('onClose', async () => {
    automation.close();
    agents.close();
    await fineTuning.close();
    await ai.close();
    await vector.close();
    await platform.close();
  });
  await app.ready();
  return { app, platform, crm, ai, vector, agents, automation, fineTuning };
}

export type BuiltApp = Awaited<ReturnType<typeof buildApp>>;
