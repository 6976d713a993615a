// SQL on ft_trainers: the self-hosted training workers of each workspace, found by the hash of their token.
import type { Kysely, Selectable } from 'kysely';
import { readJson, writeJson } from '../../platform/db/json-column.ts';
import type { FineTuningTables } from '../tables.ts';

export interface TrainerHardware {
  device: string;
  name: string;
  memoryGib: number | null;
  freeMemoryGib: number | null;
  bf16: boolean;
  torchVersion: string;
}

export interface TrainerCapabilities {
  /** Methods this worker can run on its hardware. */
  methods: string[];
  /** Why the others cannot run there (e.g. QLoRA without 4-bit kernels). */
  unavailable: Record<string, string>;
  /** Catalogue models the worker holds locally; with `hub`, it also loads any other from the model hub. */
  models: string[];
  hub: boolean;
}

export interface Trainer {
  id: string;
  workspaceId: string;
  name: string;
  tokenPrefix: string;
  hardware: TrainerHardware | null;
  capabilities: TrainerCapabilities | null;
  currentJobId: string | null;
  lastSeenAt: string | null;
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
}

type Row = Selectable<FineTuningTables['ftTrainers']>;

export class TrainerRepository {
  constructor(private readonly db: Kysely<FineTuningTables>) {}

  async insert(trainer: Trainer, tokenHash: string): Promise<void> {
    await this.db
      .insertInto('ftTrainers')
      .values({
        id: trainer.id,
        workspaceId: trainer.workspaceId,
        name: trainer.name,
        tokenHash,
        tokenPrefix: trainer.tokenPrefix,
        hardware: null,
        methods: null,
        currentJobId: null,
        lastSeenAt: null,
        createdBy: trainer.createdBy,
        createdAt: trainer.createdAt,
        revokedAt: null,
      })
      .execute();
  }

  async byTokenHash(tokenHash: string): Promise<Trainer | undefined> {
    const row = await this.db
      .selectFrom('ftTrainers')
      .selectAll()
      .where('tokenHash', '=', tokenHash)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(workspaceId: string): Promise<Trainer[]> {
    const rows = await this.db
      .selectFrom('ftTrainers')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .orderBy('createdAt', 'desc')
      .execute();
    return rows.map(fromRow);
  }

  async find(workspaceId: string, id: string): Promise<Trainer | undefined> {
    const row = await this.db
      .selectFrom('ftTrainers')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async seen(
    id: string,
    patch: { hardware?: TrainerHardware; capabilities?: TrainerCapabilities; currentJobId?: string | null },
  ): Promise<void> {
    await this.db
      .updateTable('ftTrainers')
      .set({
        lastSeenAt: new Date().toISOString(),
        ...(patch.hardware ? { hardware: writeJson(patch.hardware) } : {}),
        ...(patch.capabilities ? { methods: writeJson(patch.capabilities) } : {}),
        ...('currentJobId' in patch ? { currentJobId: patch.currentJobId } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async revoke(workspaceId: string, id: string): Promise<void> {
    await this.db
      .updateTable('ftTrainers')
      .set({ revokedAt: new Date().toISOString() })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  }
}

function fromRow(row: Row): Trainer {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    tokenPrefix: row.tokenPrefix,
    hardware: readJson<TrainerHardware | null>(row.hardware, null),
    capabilities: readJson<TrainerCapabilities | null>(row.methods, null),
    currentJobId: row.currentJobId,
    lastSeenAt: row.lastSeenAt,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
  };
}
