// Fine-tuning jobs (a state machine with a lease, so one worker in the cluster runs each and another picks
// it up when a worker dies) and their metrics as a time series.
import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.ts';
import type { Engine } from '../database.ts';

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const t = columnTypes(engine);
  await db.schema
    .createTable('ft_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('base_model', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('dataset_id', 'text', (c) => c.references('ft_datasets.id').onDelete('set null'))
    .addColumn('training_data', t.json)
    .addColumn('hyperparameters', t.json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('deploy_status', 'text', (c) => c.notNull())
    .addColumn('simulated', 'integer', (c) => c.notNull())
    .addColumn('progress', t.double, (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('total_steps', 'integer', (c) => c.notNull())
    .addColumn('estimate', t.json)
    .addColumn('result', t.json)
    .addColumn('deployment', t.json)
    .addColumn('error', 'text')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', t.timestamp)
    .addColumn('created_by', 'text')
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addColumn('started_at', t.timestamp)
    .addColumn('finished_at', t.timestamp)
    .execute();
  await db.schema
    .createIndex('ft_jobs_workspace')
    .on('ft_jobs')
    .columns(['workspace_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('ft_jobs_status')
    .on('ft_jobs')
    .columns(['status', 'lease_expires_at'])
    .execute();
  await db.schema
    .createTable('ft_job_metrics')
    .addColumn('job_id', 'text', (c) => c.notNull().references('ft_jobs.id').onDelete('cascade'))
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('epoch', t.double, (c) => c.notNull())
    .addColumn('loss', t.double)
    .addColumn('eval_loss', t.double)
    .addColumn('learning_rate', t.double)
    .addColumn('accuracy', t.double)
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('ft_job_metrics_pk', ['job_id', 'step'])
    .execute();
}
