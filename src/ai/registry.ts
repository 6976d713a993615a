// The model registry: which models serve each workspace. Fine-tuning's deploy registers a model; agents and
// search ask here and never look at fine-tuning's tables. Each slot of a workspace (its chat model, its
// classifier per task) has one active model, chosen explicitly (a deploy activates what it deployed), with the
// one before kept for a rollback. Registrations and choices are durable (ai_models, ai_active_models), so every
// instance sees a change within CHECK_EVERY_MS; the models built from them are held in bounded caches.
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { readJson, writeJson } from '../platform/db/json-column.ts';
import { AppError } from '../platform/errors.ts';
import { type ChatModel, type ChatModelSpec, createChatModel } from './chat/index.ts';
import type { Embedder } from './embedders/embedder.ts';
import { createLocalEmbedder } from './embedders/local.ts';
import {
  isRecordClassifier,
  type OutcomeRecordType,
  type RecordClassifierArtifact,
  TASK_OF,
} from './scoring/record-classifier.ts';
import { type ClassifierArtifact, type TextClassifier, textClassifierOf } from './scoring/text-classifier.ts';
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

/** Where a registration serves: `chat`, or `classifier:<task>`; null for a classifier with no task. */
export function slotOf(registration: Pick<Registration, 'kind' | 'task'>): string | null {
  if (registration.kind === 'chat') return 'chat';
  return registration.task ? `classifier:${registration.task}` : null;
}

export interface ActiveSlot {
  slot: string;
  modelId: string;
  previousModelId: string | null;
  activatedAt: string;
}

interface WorkspaceModels {
  list: Registration[];
  active: Map<string, ActiveSlot>;
}

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

export interface ActiveRecordClassifier {
  registrationId: string;
  name: string;
  artifact: RecordClassifierArtifact;
}

type LoadedClassifier =
  | { kind: 'text'; classifier: TextClassifier }
  | { kind: 'records'; artifact: RecordClassifierArtifact };

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
  private readonly registrations = new LRUCache<string, WorkspaceModels>({
    max: 10_000,
    ttl: CHECK_EVERY_MS,
  });
  private readonly chatModels = new LRUCache<string, ChatModel>({ max: 200 });
  private readonly classifiers = new LRUCache<string, LoadedClassifier>({ max: 200 });
  private readonly changeListeners: ((workspaceId: string) => void)[] = [];

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

  /** Registers a deployed model and makes it the active one of its slot. */
  async register(workspaceId: string, registration: Omit<Registration, 'registeredAt'>): Promise<void> {
    const registeredAt = new Date().toISOString();
    const row = { ...registration, workspaceId, spec: writeJson(registration.spec), registeredAt };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('aiModels')
        .values(row)
        .onConflict((oc) => oc.columns(['workspaceId', 'id']).doUpdateSet(row))
        .execute();
      const slot = slotOf(registration);
      if (slot) await this.setActive(trx, workspaceId, slot, registration.id);
    });
    this.changed(workspaceId);
  }

  /** Every registered model of a workspace, newest first. */
  async list(workspaceId: string): Promise<Registration[]> {
    return (await this.load(workspaceId)).list;
  }

  /** The active model of each slot that has one. */
  async activeSlots(workspaceId: string): Promise<ActiveSlot[]> {
    return [...(await this.load(workspaceId)).active.values()];
  }

  /** Makes a registered model the one its slot serves; the one before is kept for a rollback. */
  async activate(workspaceId: string, modelId: string): Promise<ActiveSlot> {
    const registration = (await this.list(workspaceId)).find((r) => r.id === modelId);
    if (!registration) throw AppError.notFound(`deployed model ${modelId}`);
    const slot = slotOf(registration);
    if (!slot)
      throw new AppError(
        'MODEL_HAS_NO_SLOT',
        409,
        'this classifier predicts no task the agents use, so it cannot serve',
      );
    await this.db.transaction().execute((trx) => this.setActive(trx, workspaceId, slot, modelId));
    this.changed(workspaceId);
    return (await this.load(workspaceId)).active.get(slot)!;
  }

  /** The slot serves the model it served before the last change again. */
  async rollback(workspaceId: string, slot: string): Promise<ActiveSlot> {
    const current = (await this.load(workspaceId)).active.get(slot);
    if (!current?.previousModelId)
      throw new AppError('NOTHING_TO_ROLL_BACK', 409, `no earlier model served ${slot} in this workspace`);
    return this.activate(workspaceId, current.previousModelId);
  }

  /**
   * Takes a model out of service: its registration goes; a slot it served goes back to the model before it
   * (when that is still registered), else to the configured default.
   */
  async remove(workspaceId: string, modelId: string): Promise<void> {
    const { list, active } = await this.load(workspaceId);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('aiModels')
        .where('workspaceId', '=', workspaceId)
        .where('id', '=', modelId)
        .execute();
      for (const slot of active.values()) {
        if (slot.modelId !== modelId && slot.previousModelId !== modelId) continue;
        const fallback = slot.modelId === modelId ? slot.previousModelId : slot.modelId;
        if (fallback !== null && list.some((r) => r.id === fallback))
          await trx
            .updateTable('aiActiveModels')
            .set({ modelId: fallback, previousModelId: null })
            .where('workspaceId', '=', workspaceId)
            .where('slot', '=', slot.slot)
            .execute();
        else
          await trx
            .deleteFrom('aiActiveModels')
            .where('workspaceId', '=', workspaceId)
            .where('slot', '=', slot.slot)
            .execute();
      }
    });
    this.changed(workspaceId);
  }

  /**
   * Told when what serves a workspace changed through this instance (other instances read the change within
   * CHECK_EVERY_MS): the scorers reload and rescore.
   */
  onChange(listener: (workspaceId: string) => void): void {
    this.changeListeners.push(listener);
  }

  private changed(workspaceId: string): void {
    this.registrations.delete(workspaceId);
    for (const listener of this.changeListeners) listener(workspaceId);
  }

  private async setActive(trx: Kysely<AiTables>, workspaceId: string, slot: string, modelId: string) {
    const current = await trx
      .selectFrom('aiActiveModels')
      .select('modelId')
      .where('workspaceId', '=', workspaceId)
      .where('slot', '=', slot)
      .executeTakeFirst();
    if (current?.modelId === modelId) return;
    const row = {
      workspaceId,
      slot,
      modelId,
      previousModelId: current?.modelId ?? null,
      activatedAt: new Date().toISOString(),
    };
    await trx
      .insertInto('aiActiveModels')
      .values(row)
      .onConflict((oc) => oc.columns(['workspaceId', 'slot']).doUpdateSet(row))
      .execute();
  }

  private async load(workspaceId: string): Promise<WorkspaceModels> {
    const cached = this.registrations.get(workspaceId);
    if (cached) return cached;
    const [rows, slots] = await Promise.all([
      this.db
        .selectFrom('aiModels')
        .selectAll()
        .where('workspaceId', '=', workspaceId)
        .orderBy('registeredAt', 'desc')
        .orderBy('id', 'desc')
        .limit(100)
        .execute(),
      this.db.selectFrom('aiActiveModels').selectAll().where('workspaceId', '=', workspaceId).execute(),
    ]);
    const list = rows.map(
      ({ workspaceId: _, ...row }) => ({ ...row, spec: readJson(row.spec, {}) }) as Registration,
    );
    const active = new Map(slots.map(({ workspaceId: _, ...slot }) => [slot.slot, slot]));
    const models = { list, active };
    this.registrations.set(workspaceId, models);
    return models;
  }

  private async activeRegistration(workspaceId: string, slot: string): Promise<Registration | undefined> {
    const { list, active } = await this.load(workspaceId);
    const modelId = active.get(slot)?.modelId;
    return modelId === undefined ? undefined : list.find((r) => r.id === modelId);
  }

  /** The workspace's chat model: its active fine-tuned one, else the configured default. */
  async chatModel(workspaceId: string): Promise<ActiveChatModel | undefined> {
    const registration = await this.activeRegistration(workspaceId, 'chat');
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

  /** The active text classifier for a task (e.g. `lead-conversion`), when its artifact loads. */
  async classifier(workspaceId: string, task: string): Promise<ActiveClassifier | undefined> {
    const active = await this.activeClassifier(workspaceId, task);
    return active?.loaded.kind === 'text'
      ? {
          registrationId: active.registration.id,
          name: active.registration.name,
          classifier: active.loaded.classifier,
        }
      : undefined;
  }

  /** The active record classifier for a record type's outcome: it scores those records instead of the learned scorer. */
  async recordClassifier(
    workspaceId: string,
    type: OutcomeRecordType,
  ): Promise<ActiveRecordClassifier | undefined> {
    const active = await this.activeClassifier(workspaceId, TASK_OF[type]);
    return active?.loaded.kind === 'records' && active.loaded.artifact.entityType === type
      ? {
          registrationId: active.registration.id,
          name: active.registration.name,
          artifact: active.loaded.artifact,
        }
      : undefined;
  }

  private async activeClassifier(workspaceId: string, task: string) {
    const registration = await this.activeRegistration(workspaceId, `classifier:${task}`);
    if (registration?.kind !== 'classifier') return undefined;
    const loaded = this.loadClassifier(registration.spec.artifact);
    return loaded ? { registration, loaded } : undefined;
  }

  private loadClassifier(artifact: string): LoadedClassifier | undefined {
    const cached = this.classifiers.get(artifact);
    if (cached) return cached;
    // Only files in the artifact directory load; a path recorded under another data directory (a restored
    // backup) is looked up there by name.
    const file = path.join(path.resolve(this.options.artifactDirectory), path.basename(artifact));
    try {
      const content: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      const loaded: LoadedClassifier = isRecordClassifier(content)
        ? { kind: 'records', artifact: content }
        : {
            kind: 'text',
            classifier: textClassifierOf(content as ClassifierArtifact, file, this.classifierEmbedder),
          };
      this.classifiers.set(artifact, loaded);
      return loaded;
    } catch {
      // Deleted or from another embedder: the next registration (or none) serves.
      return undefined;
    }
  }
}
