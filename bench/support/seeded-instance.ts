// A throwaway crm-ai instance for a benchmark: its own data directory (SQLite and no Redis unless the
// overrides say otherwise), a seeded `demo` workspace, and the environment that points a child `crm-ai serve` at the same data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createCrm } from '../../src/crm/index.ts';
import { seedWorkspace } from '../../src/crm/seed/seed.ts';
import { createPlatform } from '../../src/platform/index.ts';
import { createLogger } from '../../src/platform/logger.ts';

export async function seededInstance(name: string, size: number, overrides: Record<string, string> = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `crm-ai-bench-${name}-`));
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '100000000',
    // Benchmarks say which embedder they measure; none downloads one behind their back.
    EMBEDDING_PROVIDER: process.env.EMBEDDING_PROVIDER ?? 'local',
    MODEL_AUTO_PULL: 'false',
    ...overrides,
  };
  const config = loadConfig(env);
  const platform = await createPlatform(config, createLogger({ logLevel: 'warn' }));
  const crm = createCrm(platform);
  const summary = await seedWorkspace(platform, crm, { workspace: 'demo', size, seed: 42, progress: false });
  return {
    dataDir,
    env,
    config,
    platform,
    crm,
    workspaceId: summary.workspaceId,
    token: summary.token!,
    remove: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}
