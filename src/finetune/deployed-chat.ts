// Hosted fine-tuned models deployed as a workspace's chat model ("fine-tuned models can be added as
// providers"): the most recently deployed one answers the workspace's agent tasks in place of the
// configured AGENT_MODEL. Looked up at most every few seconds per workspace.
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config.ts';
import { readJson } from '../platform/db/json-column.ts';
import type { ChatDeployment, HostedProviderName } from './providers/provider.ts';

export type DeployedChatModel = ChatDeployment & {
  jobId: string;
  provider: HostedProviderName;
  apiKey?: string;
};

const CHECK_EVERY_MS = 5_000;

export class DeployedChatModels {
  // A wrapper per workspace, so that "no deployed model" is remembered too.
  private readonly cache = new LRUCache<string, { model?: DeployedChatModel }>({
    max: 10_000,
    ttl: CHECK_EVERY_MS,
  });

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: the fine-tuning tables are outside the CRM schema types
    private readonly db: Kysely<any>,
    private readonly hosted: Config['fineTuning']['hosted'],
  ) {}

  /** Drops what is cached for a workspace (its deployments changed on this instance). */
  forget(workspaceId: string): void {
    this.cache.delete(workspaceId);
  }

  async chatModel(workspaceId: string): Promise<DeployedChatModel | undefined> {
    const cached = this.cache.get(workspaceId);
    if (cached) return cached.model;
    const rows = await this.db
      .selectFrom('ft_jobs')
      .select(['id', 'provider', 'deployment'])
      .where('workspaceId', '=', workspaceId)
      .where('provider', 'in', ['together', 'openai', 'replicate'])
      .where('deployStatus', '=', 'deployed')
      .orderBy('updatedAt', 'desc')
      .limit(1)
      .execute();
    const row = rows[0];
    let model: DeployedChatModel | undefined;
    if (row) {
      const deployment = readJson<ChatDeployment>(row.deployment, {} as ChatDeployment);
      const provider = row.provider as HostedProviderName;
      model = { ...deployment, jobId: row.id, provider, apiKey: this.hosted[provider].apiKey };
    }
    this.cache.set(workspaceId, { model });
    return model;
  }
}
