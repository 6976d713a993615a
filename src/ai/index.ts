// Wires ai/: the search embedder (EMBEDDING_PROVIDER, `auto` by default) and the model registry every other
// module asks for its models.
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Platform } from '../platform/index.ts';
import { chooseEmbedder } from './embedders/auto.ts';
import { ModelStore } from './models/model-store.ts';
import { ModelRegistry } from './registry.ts';
import type { AiTables } from './tables.ts';

export interface Ai {
  registry: ModelRegistry;
  /** Settles when the background download of the default model has ended (either way); tests await it. */
  upgraded: Promise<void>;
  close(): Promise<void>;
}

/**
 * `background: false` for one-shot commands (`crm-ai index`, `seed`): they use an installed model if there is
 * one, and never start a download (nor warn about not starting one) that would outlive them.
 */
export async function createAi(platform: Platform, options: { background?: boolean } = {}): Promise<Ai> {
  const { config, log } = platform;
  const store = new ModelStore(config.dataDir);
  const chosen = await chooseEmbedder(config, store, log);
  log.info({ embedder: chosen.embedder.model, because: chosen.because }, 'search embedder');
  const { agentModel } = config;
  const hosted = config.fineTuning.hosted as Record<string, { apiKey?: string } | undefined>;
  const registry = new ModelRegistry(platform.database.kysely as Kysely<AiTables>, {
    embedder: chosen.embedder,
    defaultChat: agentModel.model
      ? {
          protocol: 'openai-chat',
          baseUrl: agentModel.baseUrl,
          apiKey: agentModel.apiKey,
          model: agentModel.model,
          timeoutMs: agentModel.timeoutMs,
        }
      : undefined,
    apiKeyOf: (provider) =>
      provider === 'self-hosted' ? config.fineTuning.selfHosted.inferenceApiKey : hosted[provider]?.apiKey,
    chatTimeoutMs: agentModel.timeoutMs,
    artifactDirectory: path.join(config.dataDir, 'models'),
  });

  const stop = new AbortController();
  let upgraded = Promise.resolve();
  const fallback = `semantic search uses the local lexical embedder; for a real model run \`crm-ai models pull ${
    config.embedding.provider === 'auto' ? config.embedding.defaultModel : ''
  }\` (or \`crm-ai models import <dir>\` where the hub is out of reach) and restart`;
  if (!chosen.upgrade || options.background === false) {
    // Nothing to download, or not the place to.
  } else if (!config.models.autoPull) {
    log.warn(`${fallback} (MODEL_AUTO_PULL=false)`);
  } else if (platform.queue.shared) {
    // Every instance of a cluster would download and reindex on its own: the choice is made once, by config.
    log.warn(`${fallback}; in a cluster, install the model and set EMBEDDING_MODEL_PATH on every instance`);
  } else {
    const upgrade = chosen.upgrade;
    log.info('downloading the default embedding model in the background; search answers meanwhile');
    upgraded = (async () => {
      try {
        const embedder = await upgrade(stop.signal);
        if (stop.signal.aborted) return;
        await registry.switchEmbedder(embedder);
        log.info(
          { embedder: embedder.model },
          'switched to the downloaded embedding model; the index was rebuilt',
        );
      } catch (error) {
        if (!stop.signal.aborted) log.warn({ err: error }, `${fallback}: the download failed`);
      }
    })();
  }
  return {
    registry,
    upgraded,
    async close() {
      stop.abort();
      await registry.embedder.close?.();
    },
  };
}
