// Wires ai/: the configured embedder and the model registry every other module asks for its models.
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Platform } from '../platform/index.ts';
import { createEmbedder } from './embedders/index.ts';
import { ModelRegistry } from './registry.ts';
import type { AiTables } from './tables.ts';

export interface Ai {
  registry: ModelRegistry;
}

export async function createAi(platform: Platform): Promise<Ai> {
  const { config } = platform;
  const embedder = await createEmbedder(config.embedding);
  const { agentModel } = config;
  const hosted = config.fineTuning.hosted as Record<string, { apiKey?: string } | undefined>;
  const registry = new ModelRegistry(platform.database.kysely as Kysely<AiTables>, {
    embedder,
    defaultChat: agentModel.model
      ? {
          protocol: 'openai-chat',
          baseUrl: agentModel.baseUrl,
          apiKey: agentModel.apiKey,
          model: agentModel.model,
          timeoutMs: agentModel.timeoutMs,
        }
      : undefined,
    apiKeyOf: (provider) => hosted[provider]?.apiKey,
    chatTimeoutMs: agentModel.timeoutMs,
    artifactDirectory: path.join(config.dataDir, 'models'),
  });
  return { registry };
}
