// `crm-ai backup <file>`: a consistent snapshot of a running embedded instance in one .tar.gz — the SQLite
// database (a snapshot by VACUUM INTO), the vector index files and trained models — that `crm-ai restore` brings back.
//
// Order matters: the unsettled record changes are read first, then the index files are copied, then the
// database. A record in the database copy is then either in the index copy, or named in the manifest as
// pending when the index was copied, or changed after that: restore marks the last two for indexing, and
// the next start indexes them (see Indexer.recover), so everything acknowledged before the backup began is
// searchable after a restore.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import type { Crm } from '../crm/index.ts';
import { AppError } from '../platform/errors.ts';
import type { Platform } from '../platform/index.ts';
import { copyLocalIndexFiles } from '../vector/stores/local.ts';

export const BACKUP_FORMAT = 1;
export const DATABASE_FILE = 'crm-ai.sqlite';

export interface BackupManifest {
  format: number;
  createdAt: string;
  /** When the index files began to be copied: records changed since are indexed again after a restore. */
  indexCopiedFrom: string;
  /** Records whose last change the index had not settled when it was copied. */
  pendingAtIndexCopy: { workspaceId: string; entityType: string; entityId: string }[];
  namespaces: number;
  models: boolean;
}

export class BackupError extends AppError {
  static unsupported(message: string) {
    return new BackupError('BACKUP_UNSUPPORTED', 400, message);
  }

  static invalid(message: string) {
    return new BackupError('BACKUP_INVALID', 400, message);
  }
}

export async function createBackup(
  platform: Platform,
  crm: Crm,
  file: string,
  onStep: (step: string) => void = () => {},
): Promise<BackupManifest> {
  const { database, config } = platform;
  if (database.engine !== 'sqlite' || !database.backupTo) {
    throw BackupError.unsupported(
      'this instance runs on PostgreSQL: back it up with pg_dump and rebuild the index after a restore (docs/deployment.md, Backups)',
    );
  }
  if (config.vector.backend !== 'local') {
    throw BackupError.unsupported(
      `vectors live in ${config.vector.backend}, not in the data directory: back up the database with this command's PostgreSQL advice, and rebuild or snapshot the hosted index (docs/deployment.md)`,
    );
  }
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-backup-'));
  try {
    onStep('reading unindexed changes');
    const indexCopiedFrom = new Date().toISOString();
    const pendingAtIndexCopy: BackupManifest['pendingAtIndexCopy'] = [];
    for await (const page of crm.records.allPendingChanges()) {
      for (const { workspaceId, entityType, entityId } of page) {
        pendingAtIndexCopy.push({ workspaceId, entityType, entityId });
      }
    }
    onStep('copying the vector index');
    const namespaces = copyLocalIndexFiles(
      path.join(config.dataDir, 'vectors'),
      path.join(staging, 'vectors'),
    );
    onStep('copying trained models');
    const modelsDirectory = path.join(config.dataDir, 'models');
    const models = fs.existsSync(modelsDirectory);
    if (models) fs.cpSync(modelsDirectory, path.join(staging, 'models'), { recursive: true });
    onStep('copying the database (a snapshot)');
    await database.backupTo(path.join(staging, DATABASE_FILE));
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      indexCopiedFrom,
      pendingAtIndexCopy,
      namespaces,
      models,
    };
    fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2));
    onStep('writing the archive');
    // Written beside the target and renamed: an interrupted backup never leaves a truncated archive behind.
    const partial = `${file}.partial`;
    await tar.create({ gzip: true, file: partial, cwd: staging, portable: true }, fs.readdirSync(staging));
    fs.renameSync(partial, file);
    return manifest;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
