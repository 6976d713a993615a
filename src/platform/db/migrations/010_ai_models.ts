// Owned by ai/ (the model registry): which models serve each workspace. Fine-tuning registers a model when
// it deploys one; agents and search ask the registry. Deployments made before the registry existed are
// registered here from the jobs table.
import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';
import { readJson, writeJson } from '../json-column.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);
  await db.schema
    .createTable('ai_models')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('task', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('spec', t.json, (c) => c.notNull())
    .addColumn('registered_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('ai_models_pk', ['workspace_id', 'id'])
    .execute();

  const deployed = await sql<{
    id: string;
    workspace_id: string;
    name: string;
    provider: string;
    result: unknown;
    deployment: unknown;
    updated_at: string;
  }>`select id, workspace_id, name, provider, result, deployment, updated_at from ft_jobs where deploy_status = 'deployed'`.execute(
    db,
  );
  for (const job of deployed.rows) {
    const deployment = readJson<Record<string, unknown>>(job.deployment, {});
    const result = readJson<Record<string, unknown>>(job.result, {});
    const registered = at(job.updated_at);
    if (deployment.kind === 'chat-model') {
      const spec = {
        provider: job.provider,
        protocol: deployment.protocol,
        baseUrl: deployment.baseUrl,
        model: deployment.model,
      };
      await insert(db, job, 'chat', null, spec, registered);
    } else if (deployment.kind === 'scoring-model' && Array.isArray(result.labels)) {
      const task = result.labels.includes('converted') ? 'lead-conversion' : null;
      await insert(
        db,
        job,
        'classifier',
        task,
        { artifact: result.artifact, labels: result.labels },
        registered,
      );
    }
  }
}

function at(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

async function insert(
  db: Kysely<unknown>,
  job: { id: string; workspace_id: string; name: string; result: unknown },
  kind: string,
  task: string | null,
  spec: object,
  registeredAt: string,
) {
  const name = String(readJson<Record<string, unknown>>(job.result, {}).modelName ?? job.name);
  await sql`insert into ai_models (workspace_id, id, kind, task, name, source, spec, registered_at)
    values (${job.workspace_id}, ${job.id}, ${kind}, ${task}, ${name}, 'fine-tuning', ${writeJson(spec)}, ${registeredAt})`.execute(
    db,
  );
}
