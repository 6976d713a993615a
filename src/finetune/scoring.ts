// Deployed local classifiers as scoring models: the artifact a local job saved, loaded once, scoring a text
// exactly as training saw it (local embedder, the training split's standardisation, softmax). The lead
// qualification agent asks for the workspace's deployed lead-conversion model.
import fs from 'node:fs';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { RecordRow } from '../crm/records/entity-types.ts';
import { readJson } from '../platform/db/json-column.ts';
import { createLocalEmbedder } from '../vector/embedders/local.ts';
import { leadClassificationText } from './datasets/builders.ts';

interface Artifact {
  labels: string[];
  weights: number[][];
  bias: number[];
  means: number[];
  scales: number[];
}

export interface LeadScorer {
  jobId: string;
  modelName: string;
  conversionProbability(lead: RecordRow, activities: number): Promise<number>;
}

const CHECK_EVERY_MS = 10_000;

export class DeployedScorers {
  private readonly embedder = createLocalEmbedder();
  // A wrapper per workspace, so that "no scorer" is remembered too.
  private readonly cache = new LRUCache<string, { scorer?: LeadScorer }>({
    max: 10_000,
    ttl: CHECK_EVERY_MS,
  });

  // biome-ignore lint/suspicious/noExplicitAny: the fine-tuning tables are outside the CRM schema types
  constructor(private readonly db: Kysely<any>) {}

  /** Drops what is cached for a workspace (its deployments changed on this instance). */
  forget(workspaceId: string): void {
    this.cache.delete(workspaceId);
  }

  /** The most recently deployed local classifier that learnt converted vs unqualified leads, if any. */
  async leadScorer(workspaceId: string): Promise<LeadScorer | undefined> {
    const cached = this.cache.get(workspaceId);
    if (cached) return cached.scorer;
    const rows = await this.db
      .selectFrom('ft_jobs')
      .select(['id', 'result', 'deployment'])
      .where('workspaceId', '=', workspaceId)
      .where('provider', '=', 'local')
      .where('deployStatus', '=', 'deployed')
      .orderBy('updatedAt', 'desc')
      .limit(20)
      .execute();
    let scorer: LeadScorer | undefined;
    for (const row of rows) {
      const result = readJson<{ artifact?: string; labels?: string[]; modelName?: string }>(row.result, {});
      if (!result.artifact || !result.labels?.includes('converted') || !fs.existsSync(result.artifact))
        continue;
      scorer = this.load(
        row.id,
        result.modelName ?? row.id,
        JSON.parse(fs.readFileSync(result.artifact, 'utf8')),
      );
      break;
    }
    this.cache.set(workspaceId, { scorer });
    return scorer;
  }

  private load(jobId: string, modelName: string, artifact: Artifact): LeadScorer {
    const converted = artifact.labels.indexOf('converted');
    const norm = Math.sqrt(artifact.means.length);
    return {
      jobId,
      modelName,
      conversionProbability: async (lead, activities) => {
        const [vector] = await this.embedder.embed([leadClassificationText(lead, activities)]);
        const x = Array.from(
          vector!,
          (value, d) => (value - artifact.means[d]!) / artifact.scales[d]! / norm,
        );
        const logits = artifact.weights.map((w, c) =>
          w.reduce((sum, weight, d) => sum + weight * x[d]!, artifact.bias[c]!),
        );
        const max = Math.max(...logits);
        const exps = logits.map((z) => Math.exp(z - max));
        return exps[converted]! / exps.reduce((a, b) => a + b, 0);
      },
    };
  }
}
