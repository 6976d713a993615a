// The one place that knows every module: builds the platform, the HTTP server and registers modules.
import type { Config } from './config.ts';
import { createCrm, registerCrmRoutes } from './crm/index.ts';
import { createHttpServer } from './platform/http/server.ts';
import { createPlatform } from './platform/index.ts';
import type { Logger } from './platform/logger.ts';

export async function buildApp(config: Config, log?: Logger) {
  const platform = await createPlatform(config, log);
  const crm = createCrm(platform);
  const app = await createHttpServer(platform, crm.identity);
  registerCrmRoutes(app, crm);
  app.addHook('onClose', async () => {
    await platform.close();
  });
  await app.ready();
  return { app, platform, crm };
}

export type BuiltApp = Awaited<ReturnType<typeof buildApp>>;
