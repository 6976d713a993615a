// The model registry: which models serve each workspace. Fine-tuning's deploy registers a model; agents and
// search ask here and never look at fine-tuning's tables. Registrations are durable (table ai_models), so
// every instance sees a deploy within CHECK_EVERY_MS; the models built from them are held in bounded caches.
import path from 'node:path';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { readJson, writeJson } from '../platform/db/json-column.ts';
import { type ChatModel, type ChatModelSpec, createChatModel } from './chat/index.ts';
import type { Embedder } from './embedders/embedder.ts';
import { createLocalEmbedder } from './embedders/local.ts';
import { loadTextClassifier, type TextClassifier } from './scoring/text-classifier.ts';
import type { AiTables } from './tables.ts';

/** A hosted chat model's endpoint as stored: the API key comes from configuration, by provider. */
export type StoredChatSpec = Omit<ChatModelSpec, 'apiKey' | 'timeoutMs'> & { provider: string };
export interface StoredClassifierSpec {
  artifact: string;
  labels: string[];
}

export type Registration = {
  id: string;
  name: string;
  source: string;
  registeredAt: string;
} & (
  | { kind: 'chat'; task: null; spec: StoredChatSpec }
  | { kind: 'classifier'; task: string | null; spec: StoredClassifierSpec }
);

export interface ActiveChatModel {
  /** The registration serving it, or undefined for the configured default (AGENT_MODEL). */
  registrationId?: string;
  chat: ChatModel;
}

export interface ActiveClassifier {
  registrationId: string;
  name: string;
  classifier: TextClassifier;
}

export interface ModelRegistryOptions {
  /** The search embedder, one vector space per instance (the index records which). */
  embedder: Embedder;
  /** The configured chat model (AGENT_MODEL), answering where no fine-tuned one is deployed. */
  defaultChat?: ChatModelSpec;
  /** API keys of hosted providers, by provider name. */
  apiKeyOf(provider: string): string | undefined;
  chatTimeoutMs: number;
  /** Classifier artifacts live here; stored paths are resolved by file name inside it. */
  artifactDirectory: string;
}

const CHECK_EVERY_MS = 5_000;

export class ModelRegistry {
  private current: Embedder;
  private readonly embedderListeners: ((embedder: Embedder) => Promise<void>)[] = [];
  // Classifiers are trained on the local embedder's default space, whatever search uses.
  private readonly classifierEmbedder = createLocalEmbedder();
  private readonly defaultChat?: ChatModel;
  // A wrapper per workspace, so that "nothing registered" is remembered too.
  private readonly registrations = new LRUCache<string, { list: Registration[] }>({
    max: 10_000,
    ttl: CHECK_EVERY_MS,
  });
  private readonly chatModels = new LRUCache<string, ChatModel>({ max: 200 });
  private readonly classifiers = new LRUCache<string, TextClassifier>({ max: 200 });

  constructor(
    private readonly db: Kysely<AiTables>,
    private readonly options: ModelRegistryOptions,
  ) {
    this.current = options.embedder;
    if (options.defaultChat) this.defaultChat = createChatModel(options.defaultChat);
  }

  /** The search embedder serving now. */
  get embedder(): Embedder {
    return this.current;
  }

  /** Called when the embedder changes (the default model finished downloading): search reindexes. */
  onEmbedderChange(listener: (embedder: Embedder) => Promise<void>): void {
    this.embedderListeners.push(listener);
  }

  async switchEmbedder(embedder: Embedder): Promise<void> {
    this.current = embedder;
    for (const listener of this.embedderListeners) await listener(embedder);
  }

  get defaultChatModel(): string | undefined {
    return this.defaultChat?.model;
  }

  async register(workspaceId: string, registration: Omit<Registration, 'registeredAt'>): Promise<void> {
    const registeredAt = new Date().toISOString();
    const row = { ...registration, workspaceId, spec: writeJson(registration.spec), registeredAt };
    await this.db
      .insertInto('aiModels')
      .values(row)
      .onConflict((oc) => oc.columns(['workspaceId', 'id']).doUpdateSet(row))
      .execute();
    this.registrations.delete(workspaceId);
  }

  /** Every registered model of a workspace, newest first. */
  async list(workspaceId: string): Promise<Registration[]> {
    const cached = this.registrations.get(workspaceId);
    if (cached) return cached.list;
    const rows = await this.db
      .selectFrom('aiModels')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .orderBy('registeredAt', 'desc')
      .orderBy('id', 'desc')
      .limit(100)
      .execute();
    const list = rows.map(
      ({ workspaceId: _, ...row }) => ({ ...row, spec: readJson(row.spec, {}) }) as Registration,
    );
    this.registrations.set(workspaceId, { list });
    return list;
  }

  /** The workspace's chat model: the newest deployed fine-tuned one, else the configured default. */
  async chatModel(workspaceId: string): Promise<ActiveChatModel | undefined> {
    const registration = (await this.list(workspaceId)).find((r) => r.kind === 'chat');
    if (registration?.kind !== 'chat') return this.defaultChat ? { chat: this.defaultChat } : undefined;
    const { provider, ...endpoint } = registration.spec;
    const key = `${endpoint.protocol} ${endpoint.baseUrl} ${endpoint.model}`;
    let chat = this.chatModels.get(key);
    if (!chat) {
      const apiKey = this.options.apiKeyOf(provider);
      chat = createChatModel({ ...endpoint, apiKey, timeoutMs: this.options.chatTimeoutMs });
      this.chatModels.set(key, chat);
    }
    return { registrationId: registration.id, chat };
  }

  /** The newest registered classifier for a task (e.g. `lead-conversion`) whose artifact loads. */
  async classifier(workspaceId: string, task: string): Promise<ActiveClassifier | undefined> {
    for (const registration of await this.list(workspaceId)) {
      if (registration.kind !== 'classifier' || registration.task !== task) continue;
      const classifier = this.loadClassifier(registration.spec.artifact);
      if (classifier) return { registrationId: registration.id, name: registration.name, classifier };
    }
    return undefined;
  }

  private loadClassifier(artifact: string): TextClassifier | undefined {
    const cached = this.classifiers.get(artifact);
    if (cached) return cached;
    // Only files in the artifact directory load; a path recorded under another data directory (a restored
    // backup) is looked up there by name.
    const file = path.join(path.resolve(this.options.artifactDirectory), path.basename(artifact));
    try {
      const classifier = loadTextClassifier(file, this.classifierEmbedder);
      this.classifiers.set(artifact, classifier);
      return classifier;
    } catch {
      // Deleted or from another embedder: the next registration (or none) serves.
      return undefined;
    }
  }
}
