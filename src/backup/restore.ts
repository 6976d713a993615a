// `crm-ai restore <file>`: unpacks a `crm-ai backup` archive into an empty data directory and marks for
// indexing every record the archived index may not hold (see backup.ts); the next `crm-ai serve` indexes
// them in the background while it serves.
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import type { Config } from '../config.ts';
import { createCrm } from '../crm/index.ts';
import { createPlatform } from '../platform/index.ts';
import type { Logger } from '../platform/logger.ts';
import { BACKUP_FORMAT, BackupError, type BackupManifest, DATABASE_FILE } from './backup.ts';

export interface RestoreReport {
  manifest: BackupManifest;
  /** Records marked for indexing at the next start. */
  toIndex: number;
}

export async function restoreBackup(config: Config, file: string, log: Logger): Promise<RestoreReport> {
  if (config.database.engine !== 'sqlite') {
    throw BackupError.unsupported(
      'restore into the embedded engine (SQLite); PostgreSQL restores with pg_restore',
    );
  }
  if (!fs.existsSync(file)) throw BackupError.invalid(`no backup at ${file}`);
  const dataDir = config.dataDir;
  const occupied =
    fs.existsSync(dataDir) && fs.readdirSync(dataDir).some((entry) => entry !== '.' && entry !== '..');
  if (occupied) {
    throw BackupError.invalid(
      `${dataDir} is not empty: restore into a new data directory (DATA_DIR) and switch to it`,
    );
  }
  fs.mkdirSync(dataDir, { recursive: true });
  // The directory was empty: whatever a failed restore unpacked is removed again.
  const emptyDataDir = () => {
    for (const entry of fs.readdirSync(dataDir))
      fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
  };
  const manifestFile = path.join(dataDir, 'manifest.json');
  try {
    await tar.extract({ file, cwd: dataDir, strict: true });
  } catch (error) {
    emptyDataDir();
    throw BackupError.invalid(`${file} is not a readable backup archive: ${(error as Error).message}`);
  }
  if (!fs.existsSync(manifestFile) || !fs.existsSync(path.join(dataDir, DATABASE_FILE))) {
    emptyDataDir();
    throw BackupError.invalid(`${file} is not a crm-ai backup (no manifest or database)`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as BackupManifest;
  fs.rmSync(manifestFile);
  if (manifest.format !== BACKUP_FORMAT) {
    throw BackupError.invalid(
      `backup format ${manifest.format} is not ${BACKUP_FORMAT}; use the crm-ai version that made it`,
    );
  }
  // Opening the platform runs any newer migrations on the restored database.
  const platform = await createPlatform(config, log);
  try {
    const crm = createCrm(platform);
    const toIndex = await crm.records.markPending(
      manifest.pendingAtIndexCopy,
      new Date(manifest.indexCopiedFrom),
    );
    return { manifest, toIndex };
  } finally {
    await platform.close();
  }
}
