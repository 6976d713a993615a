// The cache as the rest of crm-ai uses it: the mission's API over the tiered cache, with every key
// namespaced as {namespace}:{workspaceId}:{kind}:{...} so that a workspace's keys share one prefix.
import { createHash } from 'node:crypto';
import type { CacheStats, GetOrSetOptions, TieredCache } from './tiered-cache.ts';
import type { Ttl } from './ttl.ts';

export type { CacheStats } from './tiered-cache.ts';

/** AI responses not tied to a workspace live under this pseudo-workspace. */
const SHARED_SCOPE = '_shared';

export function hashKey(value: unknown): string {
  return createHash('sha256')
    .update(typeof value === 'string' ? value : JSON.stringify(value))
    .digest('base64url')
    .slice(0, 32);
}

export class CacheService {
  constructor(readonly tiers: TieredCache) {}

  get namespace(): string {
    return this.tiers.namespace;
  }

  workspacePrefix(workspaceId: string): string {
    return `${this.namespace}:${workspaceId}:`;
  }

  entityKey(workspaceId: string, type: string, id: string): string {
    return `${this.namespace}:${workspaceId}:entity:${type}:${id}`;
  }

  async cacheEntity(
    workspaceId: string,
    type: string,
    id: string,
    data: unknown,
    options: { ttl?: Ttl } = {},
  ) {
    await this.tiers.set(this.entityKey(workspaceId, type, id), data, options.ttl ?? 'medium');
  }

  async getCachedEntity<T>(workspaceId: string, type: string, id: string): Promise<T | undefined> {
    return this.tiers.get<T>(this.entityKey(workspaceId, type, id));
  }

  async getOrSetEntity<T>(workspaceId: string, type: string, id: string, load: () => Promise<T>): Promise<T> {
    return this.tiers.getOrSet(this.entityKey(workspaceId, type, id), load, { ttl: 'medium' });
  }

  /**
   * Lists are keyed under a version token per (workspace, type): invalidating every list of a type is one
   * write of a new token instead of a scan, and old lists simply expire.
   */
  async cacheList(
    workspaceId: string,
    type: string,
    listId: string,
    data: unknown,
    options: { ttl?: Ttl } = {},
  ) {
    await this.tiers.set(await this.listKey(workspaceId, type, listId), data, options.ttl ?? 'short');
  }

  async getCachedList<T>(workspaceId: string, type: string, listId: string): Promise<T | undefined> {
    return this.tiers.get<T>(await this.listKey(workspaceId, type, listId));
  }

  async getOrSetList<T>(
    workspaceId: string,
    type: string,
    listId: string,
    load: () => Promise<T>,
  ): Promise<T> {
    return this.tiers.getOrSet(await this.listKey(workspaceId, type, listId), load, { ttl: 'short' });
  }

  /** Key: hash of model, prompt and parameters; scoped to the workspace whose data the prompt carries. */
  aiResponseKey(request: {
    model?: string;
    prompt: unknown;
    parameters?: unknown;
    workspaceId?: string;
  }): string {
    const scope = request.workspaceId ?? SHARED_SCOPE;
    return `${this.namespace}:${scope}:ai:${hashKey([request.model ?? '', request.prompt, request.parameters ?? null])}`;
  }

  async cacheAIResponse(
    prompt: unknown,
    response: unknown,
    options: { ttl?: Ttl; model?: string; parameters?: unknown; workspaceId?: string } = {},
  ) {
    await this.tiers.set(this.aiResponseKey({ ...options, prompt }), response, options.ttl ?? 'extended');
  }

  async getCachedAIResponse<T>(
    prompt: unknown,
    options: { model?: string; parameters?: unknown; workspaceId?: string } = {},
  ): Promise<T | undefined> {
    return this.tiers.get<T>(this.aiResponseKey({ ...options, prompt }));
  }

  /** Model calls are expensive: one process in the cluster computes a response, the others wait for it. */
  async getOrSetAIResponse<T>(
    request: { model?: string; prompt: unknown; parameters?: unknown; workspaceId?: string },
    load: () => Promise<T>,
    options: Partial<GetOrSetOptions> = {},
  ): Promise<T> {
    return this.tiers.getOrSet(this.aiResponseKey(request), load, {
      ttl: options.ttl ?? 'extended',
      distributedLockMs: options.distributedLockMs ?? 60_000,
    });
  }

  /** Search results depend on every record of the workspace, so any write there retires them (see listKey). */
  async cacheSearchResults(
    workspaceId: string,
    query: unknown,
    results: unknown,
    options: { ttl?: Ttl } = {},
  ) {
    await this.tiers.set(await this.searchKey(workspaceId, query), results, options.ttl ?? 'short');
  }

  async getCachedSearchResults<T>(workspaceId: string, query: unknown): Promise<T | undefined> {
    return this.tiers.get<T>(await this.searchKey(workspaceId, query));
  }

  /** Everything cached for a workspace, or only what belongs to some entity types. */
  async invalidateWorkspace(workspaceId: string, types?: readonly string[]): Promise<number> {
    if (!types || types.length === 0)
      return this.tiers.deletePattern(`${this.workspacePrefix(workspaceId)}*`);
    let deleted = 0;
    for (const type of types) {
      deleted += await this.tiers.deletePattern(`${this.workspacePrefix(workspaceId)}entity:${type}:*`);
      await this.retireLists(workspaceId, type);
    }
    return deleted;
  }

  /** One record changed: its entry, its type's lists and the workspace's search results go. */
  async invalidateEntity(workspaceId: string, type: string, id: string): Promise<void> {
    await Promise.all([
      this.tiers.delete(this.entityKey(workspaceId, type, id)),
      this.retireLists(workspaceId, type),
    ]);
  }

  async deletePattern(pattern: string): Promise<number> {
    return this.tiers.deletePattern(pattern);
  }

  async getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    return this.tiers.getMany<T>(keys);
  }

  async warm<T>(
    keys: readonly string[],
    load: (key: string) => Promise<T | undefined>,
    options: { ttl: Ttl; concurrency?: number },
  ) {
    return this.tiers.warm(keys, load, options);
  }

  getStats(): CacheStats {
    return this.tiers.stats();
  }

  private async listKey(workspaceId: string, type: string, listId: string): Promise<string> {
    const version = await this.version(`${this.workspacePrefix(workspaceId)}listver:${type}`);
    return `${this.workspacePrefix(workspaceId)}list:${type}:${version}:${listId}`;
  }

  private async searchKey(workspaceId: string, query: unknown): Promise<string> {
    const version = await this.version(`${this.workspacePrefix(workspaceId)}searchver`);
    return `${this.workspacePrefix(workspaceId)}search:${version}:${hashKey(query)}`;
  }

  private async version(key: string): Promise<string> {
    return this.tiers.getOrSet(key, async () => hashKey(`${Date.now()}:${Math.random()}`).slice(0, 8), {
      ttl: 'long',
    });
  }

  /** Search results of a workspace, after its index changed. */
  async invalidateSearchResults(workspaceId: string): Promise<void> {
    await this.tiers.set(
      `${this.workspacePrefix(workspaceId)}searchver`,
      hashKey(`${Date.now()}:${Math.random()}`).slice(0, 8),
      'long',
    );
  }

  /** Every cached list of a type (and the workspace's search results) after records were added. */
  async invalidateLists(workspaceId: string, type: string): Promise<void> {
    await this.retireLists(workspaceId, type);
  }

  private async retireLists(workspaceId: string, type: string): Promise<void> {
    const token = hashKey(`${Date.now()}:${Math.random()}`).slice(0, 8);
    await Promise.all([
      this.tiers.set(`${this.workspacePrefix(workspaceId)}listver:${type}`, token, 'long'),
      this.tiers.set(`${this.workspacePrefix(workspaceId)}searchver`, token, 'long'),
    ]);
  }
}
