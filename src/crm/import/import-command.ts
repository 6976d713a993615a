// `crm-ai import <type> <file>`: a CSV file into a workspace's records, with a progress bar and a report of
// every line that failed. Run by the instance's operator, so history fields are allowed.
import fs from 'node:fs';
import { SingleBar } from 'cli-progress';
import { CrmError } from '../errors.ts';
import type { Crm } from '../index.ts';
import { type EntityType, entityTypeList } from '../records/entity-types.ts';
import { CsvImporter, type ImportReport, parseMappings } from './csv-import.ts';

export interface ImportCliOptions {
  workspace: string;
  map: string[];
  dryRun?: boolean;
  progress: boolean;
}

/** "leads" or "lead". */
export function entityTypeFromArgument(name: string): EntityType {
  const type = entityTypeList.find((candidate) => candidate.name === name || candidate.plural === name);
  if (!type) {
    throw CrmError.importMapping(
      `unknown record type "${name}"; one of ${entityTypeList.map((candidate) => candidate.plural).join(', ')}`,
    );
  }
  return type;
}

export async function importFromCli(
  crm: Crm,
  typeName: string,
  file: string,
  options: ImportCliOptions,
): Promise<ImportReport> {
  const type = entityTypeFromArgument(typeName);
  const workspace = await crm.identity.findWorkspaceBySlug(options.workspace);
  if (!workspace) throw CrmError.workspaceNotFound(options.workspace);
  const size = fs.statSync(file).size;
  const bar = options.progress
    ? new SingleBar({
        format: `importing ${type.plural} {bar} {percentage}% | {rows} rows, {failed} failed | {eta}s left`,
        hideCursor: true,
      })
    : undefined;
  bar?.start(size, 0, { rows: 0, failed: 0 });
  try {
    return await new CsvImporter(crm.records).import(type, workspace.id, fs.createReadStream(file), {
      mapping: parseMappings(options.map),
      dryRun: options.dryRun,
      allowHistory: true,
      onProgress: (progress) => bar?.update(progress.bytes, { rows: progress.rows, failed: progress.failed }),
    });
  } finally {
    bar?.update(size);
    bar?.stop();
  }
}
