// The crm-ai command line: serve, migrate, seed, and user/workspace/token administration.
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { importFromCli as importModelFromCli, listModels, pullFromCli } from './ai/models/models-command.ts';
import { buildApp } from './app.ts';
import { createBackup } from './backup/backup.ts';
import { restoreBackup } from './backup/restore.ts';
import { type Config, ConfigError, loadConfig, productionProblems } from './config.ts';
import { type ImportCliOptions, importFromCli } from './crm/import/import-command.ts';
import { createCrm } from './crm/index.ts';
import { seedWorkspace } from './crm/seed/seed.ts';
import { createDatasetFromCli, type DatasetCliOptions } from './finetune/dataset-command.ts';
import { roles } from './platform/http/roles.ts';
import { buildWebPanelIfMissing } from './platform/http/web-panel.ts';
import { createPlatform, type Platform } from './platform/index.ts';
import { createLogger } from './platform/logger.ts';
import { indexWorkspace } from './vector/index-command.ts';
import { startWorker } from './worker.ts';

function readConfig(): Config {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  return loadConfig(process.env);
}

/** Runs a command against the platform (database migrated) and closes it afterwards. */
async function withPlatform<T>(work: (platform: Platform) => Promise<T>): Promise<T> {
  const config = readConfig();
  const platform = await createPlatform(config, createLogger({ logLevel: 'warn' }));
  try {
    return await work(platform);
  } finally {
    await platform.close();
  }
}

async function serve(options: { production?: boolean }): Promise<void> {
  const config = readConfig();
  if (options.production) {
    const problems = productionProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  await buildWebPanelIfMissing((line) => process.stdout.write(`${line}\n`));
  const { app, crm } = await buildApp(config);
  const bootstrap = config.bootstrapDemo ? await crm.identity.bootstrap() : undefined;
  const address = await app.listen({ host: config.host, port: config.port });

  // Printed to the terminal, not the log: the one moment the secret is shown.
  if (bootstrap) {
    process.stdout.write(
      [
        '',
        'crm-ai initialised a new instance:',
        `  user       ${bootstrap.user.email} (owner)`,
        `  workspace  ${bootstrap.workspace.slug} (${bootstrap.workspace.id})`,
        `  API token  ${bootstrap.token.token}`,
        '  This token is shown once. Keep it; create more with `npx crm-ai tokens create`.',
        `  Try: curl -H "Authorization: Bearer ${bootstrap.token.token}" ${address}/api/workspaces/demo/contacts`,
        '',
      ].join('\n'),
    );
  }
  process.stdout.write(
    `crm-ai listening on ${address} (admin panel at ${address}/, API at ${address}/api, docs at ${address}/docs)\n`,
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const forced = setTimeout(() => {
      app.log.error('shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    forced.unref();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

const program = new Command('crm-ai').description('Self-hostable AI layer for a CRM').showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('run the HTTP API (port 5001 by default)')
  .option('--production', 'refuse to start without PostgreSQL and Redis')
  .action(serve);

program
  .command('worker')
  .description('run background jobs (indexing from the Redis queue, fine-tuning) without serving HTTP')
  .action(async () => {
    const worker = await startWorker(readConfig());
    process.stdout.write('crm-ai worker running\n');
    let closing = false;
    const shutdown = async () => {
      if (closing) return;
      closing = true;
      await worker.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(() =>
    withPlatform(async () => {
      process.stdout.write('database is at the latest migration\n');
    }),
  );

const users = program.command('users').description('manage users');
users
  .command('create')
  .requiredOption('--email <email>')
  .option('--name <name>')
  .option('--operator', 'may see every workspace’s operational data (the instance-wide error view)')
  .action((options: { email: string; name?: string; operator?: boolean }) =>
    withPlatform(async (platform) => {
      const user = await createCrm(platform).identity.createUser(options);
      process.stdout.write(`${JSON.stringify(user)}\n`);
    }),
  );

const workspaces = program.command('workspaces').description('manage workspaces');
workspaces
  .command('create')
  .requiredOption('--slug <slug>')
  .requiredOption('--owner <email>', 'email of an existing user who becomes the owner')
  .option('--name <name>')
  .action((options: { slug: string; owner: string; name?: string }) =>
    withPlatform(async (platform) => {
      const { identity } = createCrm(platform);
      const owner = await identity.findUserByEmail(options.owner);
      if (!owner) throw new Error(`no user ${options.owner}; create it with \`crm-ai users create\``);
      const workspace = await identity.createWorkspace({
        slug: options.slug,
        name: options.name,
        ownerUserId: owner.id,
      });
      process.stdout.write(`${JSON.stringify(workspace)}\n`);
    }),
  );
workspaces
  .command('add-member')
  .requiredOption('--workspace <slug>')
  .requiredOption('--email <email>')
  .addOption(new Option('--role <role>').choices([...roles]).default('member'))
  .action((options: { workspace: string; email: string; role: (typeof roles)[number] }) =>
    withPlatform(async (platform) => {
      const { identity } = createCrm(platform);
      const workspace = await identity.findWorkspaceBySlug(options.workspace);
      if (!workspace) throw new Error(`no workspace ${options.workspace}`);
      const member = await identity.setMember(workspace.id, options, 'owner');
      process.stdout.write(`${JSON.stringify(member)}\n`);
    }),
  );

const tokens = program.command('tokens').description('manage API tokens');
tokens
  .command('create')
  .requiredOption('--email <email>', 'the user the token acts as')
  .option('--name <name>', 'a label to tell tokens apart', 'cli')
  .action((options: { email: string; name: string }) =>
    withPlatform(async (platform) => {
      const { identity } = createCrm(platform);
      const user = await identity.findUserByEmail(options.email);
      if (!user) throw new Error(`no user ${options.email}`);
      const issued = await identity.issueToken(user.id, options.name);
      process.stdout.write(`${issued.token}\n`);
    }),
  );

program
  .command('seed')
  .description('generate a realistic, deterministic demo workspace')
  .option('--workspace <slug>', 'workspace to fill (created if missing)', 'demo')
  .option('--size <records>', 'total number of records', (value) => Number.parseInt(value, 10), 10_000)
  .option(
    '--seed <number>',
    'random seed; the same seed gives the same data',
    (value) => Number.parseInt(value, 10),
    42,
  )
  .option('--no-progress', 'no progress bar')
  .action((options: { workspace: string; size: number; seed: number; progress: boolean }) =>
    withPlatform(async (platform) => {
      const crm = createCrm(platform);
      const summary = await seedWorkspace(platform, crm, options);
      // Seeded records are searchable at once: index them now rather than at the next start.
      const index = await indexWorkspace(platform, crm, summary.workspaceId, {
        rebuild: true,
        progress: options.progress,
      });
      process.stdout.write(`${JSON.stringify({ ...summary, index })}\n`);
    }),
  );

program
  .command('import')
  .description('import records from a CSV file (header auto-mapping, custom fields, a report per line)')
  .argument('<type>', 'contacts | leads | deals | activities | projects | documents')
  .argument('<file>', 'the CSV file; its first line names the columns')
  .requiredOption('--workspace <slug>', 'workspace slug')
  .option(
    '--map <field=Column>',
    'read a field from a column (repeatable), e.g. --map status=Outcome',
    (value: string, previous: string[]) => [...previous, value],
    [] as string[],
  )
  .option('--dry-run', 'validate and report without writing')
  .option('--no-progress', 'no progress bar')
  .action((type: string, file: string, options: ImportCliOptions) =>
    withPlatform(async (platform) => {
      const report = await importFromCli(createCrm(platform), type, file, options);
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (report.failed > 0) process.exitCode = 2;
    }),
  );

program
  .command('index')
  .description('(re)index a workspace for search, with a progress bar')
  .requiredOption('--workspace <slug>', 'workspace slug or id')
  .option('--rebuild', 'drop the index first (needed after a change of embedding model)')
  .option('--no-progress', 'no progress bar')
  .action((options: { workspace: string; rebuild?: boolean; progress: boolean }) =>
    withPlatform(async (platform) => {
      const crm = createCrm(platform);
      const workspace = await crm.identity.findWorkspaceBySlug(options.workspace);
      const workspaceId = workspace?.id ?? options.workspace;
      const report = await indexWorkspace(platform, crm, workspaceId, options);
      process.stdout.write(`${JSON.stringify(report)}\n`);
    }),
  );

program
  .command('datasets')
  .description('fine-tuning datasets')
  .command('create')
  .description('build a dataset from a workspace’s records, with a progress bar')
  .requiredOption('--workspace <slug>', 'workspace slug')
  .requiredOption('--name <name>', 'dataset name')
  .requiredOption('--type <type>', 'instruction | chat | completion | classification | qa | summarization')
  .option('--base-model <id>', 'base model whose tokenizer counts the tokens', 'llama-3.1-8b')
  .option('--filters <json>', 'filters, e.g. \'{"target":"deal-outcome","where":{"company":"Acme"}}\'')
  .option('--no-progress', 'no progress bar')
  .action((options: DatasetCliOptions) =>
    withPlatform(async (platform) => {
      const summary = await createDatasetFromCli(platform, createCrm(platform), options);
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    }),
  );

program
  .command('backup')
  .description('snapshot a running embedded instance (database, vector index, models) into one .tar.gz')
  .argument('<file>', 'the archive to write')
  .action((file: string) =>
    withPlatform(async (platform) => {
      const manifest = await createBackup(platform, createCrm(platform), file, (step) =>
        process.stderr.write(`backup: ${step}\n`),
      );
      process.stdout.write(
        `${JSON.stringify({ file, createdAt: manifest.createdAt, namespaces: manifest.namespaces, pendingAtIndexCopy: manifest.pendingAtIndexCopy.length, models: manifest.models })}\n`,
      );
    }),
  );

program
  .command('restore')
  .description('unpack a backup into an empty DATA_DIR; the next start indexes what the archived index lacks')
  .argument('<file>', 'an archive made by `crm-ai backup`')
  .action(async (file: string) => {
    const report = await restoreBackup(readConfig(), file, createLogger({ logLevel: 'warn' }));
    process.stdout.write(
      `${JSON.stringify({ file, createdAt: report.manifest.createdAt, toIndexAtNextStart: report.toIndex })}\n`,
    );
  });

const models = program.command('models').description('embedding models for semantic search');
models
  .command('pull')
  .description('download an ONNX embedding model from the Hugging Face hub (HF_ENDPOINT for a mirror)')
  .argument('<id>', 'hub model id, e.g. Xenova/all-MiniLM-L6-v2')
  .addOption(new Option('--dtype <dtype>', 'weights to fetch').choices(['fp32', 'q8']))
  .option('--no-progress', 'no progress bar')
  .action(async (id: string, options: { dtype?: 'fp32' | 'q8'; progress: boolean }) => {
    const model = await pullFromCli(readConfig(), id, options);
    process.stdout.write(
      `${JSON.stringify({ id: model.id, directory: model.directory, dtypes: model.dtypes })}\n`,
    );
  });
models
  .command('import')
  .description('install a model directory copied from elsewhere (air-gapped installs)')
  .argument('<directory>', 'config.json, tokenizer.json and onnx/model.onnx or onnx/model_quantized.onnx')
  .option('--id <id>', 'the name to list it under (default: the directory name)')
  .action(async (directory: string, options: { id?: string }) => {
    const model = await importModelFromCli(readConfig(), directory, options.id);
    process.stdout.write(
      `${JSON.stringify({ id: model.id, directory: model.directory, dtypes: model.dtypes })}\n`,
    );
  });
models
  .command('list')
  .description('installed embedding models')
  .action(() => {
    process.stdout.write(`${JSON.stringify(listModels(readConfig()), null, 2)}\n`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`crm-ai: ${error.message}\n`);
  } else {
    process.stderr.write(`crm-ai: ${(error as Error).message ?? error}\n`);
  }
  process.exit(1);
});
