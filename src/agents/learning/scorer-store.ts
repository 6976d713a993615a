// Versions of each workspace's trained scorers (table scoring_models): save a new version, activate it only
// when it is not worse than the active one on held-out data, read the active one.
import type { Kysely } from 'kysely';
import type { ScorerArtifact, ScorerQuality } from '../../ai/scoring/tabular-scorer.ts';
import type { ScoredEntityType } from '../../crm/records/features.ts';
import { readJson, writeJson } from '../../platform/db/json-column.ts';
import type { AgentTables } from '../tables.ts';

/** A retrained model may lose this much cross-validated ROC AUC against the active one and still replace it. */
export const AUC_TOLERANCE = 0.01;
/** Versions kept per scorer, the active one included; older ones are deleted when a new one is stored. */
export const KEPT_VERSIONS = 10;

export interface StoredScorer {
  kind: ScoredEntityType;
  version: number;
  status: 'active' | 'retired' | 'rejected';
  reason: string | null;
  quality: ScorerQuality;
  trainedAt: string;
}

export class ScorerStore {
  constructor(private readonly db: Kysely<AgentTables>) {}

  async active(
    workspaceId: string,
    kind: ScoredEntityType,
  ): Promise<(StoredScorer & { artifact: ScorerArtifact }) | undefined> {
    const row = await this.db
      .selectFrom('scoringModels')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('kind', '=', kind)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return row
      ? { ...toStored(row), artifact: readJson<ScorerArtifact>(row.artifact, undefined as never) }
      : undefined;
  }

  async versions(workspaceId: string, kind?: ScoredEntityType): Promise<StoredScorer[]> {
    let query = this.db
      .selectFrom('scoringModels')
      .select(['kind', 'version', 'status', 'reason', 'quality', 'trainedAt'])
      .where('workspaceId', '=', workspaceId);
    if (kind) query = query.where('kind', '=', kind);
    const rows = await query.orderBy('kind').orderBy('version', 'desc').execute();
    return rows.map(toStored);
  }

  /**
   * Stores a newly trained version and decides, in one transaction, whether it serves: yes when there is no
   * active version or it is not worse on held-out data; otherwise it is kept as rejected, with the reason.
   */
  async add(
    workspaceId: string,
    kind: ScoredEntityType,
    artifact: ScorerArtifact,
    trainedAt: string,
  ): Promise<StoredScorer> {
    return this.db.transaction().execute(async (trx) => {
      const latest = await trx
        .selectFrom('scoringModels')
        .select((eb) => eb.fn.max('version').as('version'))
        .where('workspaceId', '=', workspaceId)
        .where('kind', '=', kind)
        .executeTakeFirst();
      const version = Number(latest?.version ?? 0) + 1;
      const active = await trx
        .selectFrom('scoringModels')
        .select(['version', 'quality'])
        .where('workspaceId', '=', workspaceId)
        .where('kind', '=', kind)
        .where('status', '=', 'active')
        .executeTakeFirst();
      const activeQuality = active ? readJson<ScorerQuality>(active.quality, undefined as never) : undefined;
      const worse = activeQuality && artifact.quality.auc < activeQuality.auc - AUC_TOLERANCE;
      const reason = worse
        ? `held-out ROC AUC ${artifact.quality.auc.toFixed(4)} is below the active version ${active!.version}'s ${activeQuality.auc.toFixed(4)}`
        : null;
      if (active && !worse) {
        await trx
          .updateTable('scoringModels')
          .set({ status: 'retired', reason: `replaced by version ${version}` })
          .where('workspaceId', '=', workspaceId)
          .where('kind', '=', kind)
          .where('version', '=', active.version)
          .execute();
      }
      const stored = {
        workspaceId,
        kind,
        version,
        status: worse ? ('rejected' as const) : ('active' as const),
        reason,
        quality: writeJson(artifact.quality)!,
        artifact: writeJson(artifact)!,
        trainedAt,
      };
      await trx.insertInto('scoringModels').values(stored).execute();
      await trx
        .deleteFrom('scoringModels')
        .where('workspaceId', '=', workspaceId)
        .where('kind', '=', kind)
        .where('status', '!=', 'active')
        .where('version', '<=', version - KEPT_VERSIONS)
        .execute();
      return toStored(stored);
    });
  }
}

function toStored(row: {
  kind: string;
  version: number;
  status: string;
  reason: string | null;
  quality: unknown;
  trainedAt: string;
}): StoredScorer {
  return {
    kind: row.kind as ScoredEntityType,
    version: Number(row.version),
    status: row.status as StoredScorer['status'],
    reason: row.reason,
    quality: readJson<ScorerQuality>(row.quality, undefined as never),
    trainedAt: new Date(row.trainedAt).toISOString(),
  };
}
