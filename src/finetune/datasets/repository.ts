// SQL on the datasets and their examples (tables ft_datasets, ft_examples): rows in, domain objects out.
// Every read and write of a dataset is scoped to its workspace.
import type { Insertable, Kysely, Selectable } from 'kysely';
import { readJson, writeJson } from '../../platform/db/json-column.ts';
import type { TimeSlicer } from '../../platform/time-slicer.ts';
import type { FineTuningTables } from '../tables.ts';
import type { WorkspaceFilters } from './builders.ts';
import type { AnyExample } from './examples.ts';
import type { ProviderCheck } from './provider-rules.ts';
import type { QualityReport } from './quality.ts';
import type { Dataset } from './service.ts';

export type Split = 'train' | 'validation';
export type ExampleRow = Omit<Insertable<FineTuningTables['ftExamples']>, 'datasetId' | 'example'> & {
  example: AnyExample;
  split: Split;
};

const INSERT_CHUNK = 500;

export class DatasetRepository {
  constructor(private readonly db: Kysely<FineTuningTables>) {}

  /** The dataset and all its examples in one transaction, in chunks with a turn of the event loop between. */
  async insert(
    dataset: Dataset,
    examples: readonly ExampleRow[],
    slicer: TimeSlicer,
    onChunk?: (stored: number) => void,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('ftDatasets').values(toRow(dataset)).execute();
      for (let start = 0; start < examples.length; start += INSERT_CHUNK) {
        // SQLite runs each statement synchronously: a turn of the event loop between chunks.
        await slicer.maybeYield();
        await trx
          .insertInto('ftExamples')
          .values(
            examples
              .slice(start, start + INSERT_CHUNK)
              .map((row) => ({ ...row, datasetId: dataset.id, example: JSON.stringify(row.example) })),
          )
          .execute();
        onChunk?.(Math.min(examples.length, start + INSERT_CHUNK));
      }
    });
  }

  async list(workspaceId: string): Promise<Dataset[]> {
    const rows = await this.db
      .selectFrom('ftDatasets')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .orderBy('createdAt', 'desc')
      .execute();
    return rows.map(fromRow);
  }

  async find(workspaceId: string, id: string): Promise<Dataset | undefined> {
    const row = await this.db
      .selectFrom('ftDatasets')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** Stores new metadata and moves examples between splits, together. */
  async update(dataset: Dataset, moves: { split: Split; positions: number[] }[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const { split, positions } of moves) {
        for (let start = 0; start < positions.length; start += INSERT_CHUNK)
          await trx
            .updateTable('ftExamples')
            .set({ split })
            .where('datasetId', '=', dataset.id)
            .where('position', 'in', positions.slice(start, start + INSERT_CHUNK))
            .execute();
      }
      await trx
        .updateTable('ftDatasets')
        .set({
          name: dataset.name,
          description: dataset.description,
          validationSplit: dataset.validationSplit,
          trainCount: dataset.trainCount,
          validationCount: dataset.validationCount,
          updatedAt: dataset.updatedAt,
        })
        .where('workspaceId', '=', dataset.workspaceId)
        .where('id', '=', dataset.id)
        .execute();
    });
  }

  async delete(workspaceId: string, id: string): Promise<void> {
    await this.db
      .deleteFrom('ftDatasets')
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  }

  async examples(
    datasetId: string,
    options: { split?: Split; offset?: number; limit?: number },
  ): Promise<{ position: number; split: string; tokens: number; example: AnyExample }[]> {
    let query = this.db.selectFrom('ftExamples').selectAll().where('datasetId', '=', datasetId);
    if (options.split) query = query.where('split', '=', options.split);
    const rows = await query
      .orderBy('position')
      .offset(options.offset ?? 0)
      .limit(options.limit ?? 1_000_000)
      .execute();
    return rows.map((row) => ({
      position: Number(row.position),
      split: row.split,
      tokens: Number(row.tokens),
      example: readJson<AnyExample>(row.example, {} as AnyExample),
    }));
  }
}

function toRow(dataset: Dataset): Insertable<FineTuningTables['ftDatasets']> {
  return {
    ...dataset,
    filters: writeJson(dataset.filters),
    quality: JSON.stringify(dataset.quality),
    providerChecks: JSON.stringify(dataset.providerChecks),
  };
}

function fromRow(row: Selectable<FineTuningTables['ftDatasets']>): Dataset {
  return {
    ...row,
    type: row.type as Dataset['type'],
    source: row.source as Dataset['source'],
    filters: readJson<WorkspaceFilters | null>(row.filters, null),
    quality: readJson<QualityReport>(row.quality, {
      score: 0,
      issues: [],
      tokens: { total: 0, mean: 0, p95: 0, max: 0 },
    }),
    providerChecks: readJson<ProviderCheck[]>(row.providerChecks, []),
    validationSplit: Number(row.validationSplit),
    exampleCount: Number(row.exampleCount),
    trainCount: Number(row.trainCount),
    validationCount: Number(row.validationCount),
    tokenCount: Number(row.tokenCount),
  };
}
