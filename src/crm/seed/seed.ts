// `crm-ai seed`: fills a workspace with the generated demo data, in chunks, with a progress bar.
import { SingleBar } from 'cli-progress';
import type { Platform } from '../../platform/index.ts';
import type { Crm } from '../index.ts';
import { type EntityTypeName, entityTypes } from '../records/entity-types.ts';
import { generateWorkspace } from './generator.ts';

const CHUNK = 1000;
/** Linked types are written after what they link to. */
const writeOrder: EntityTypeName[] = ['contact', 'lead', 'deal', 'activity', 'project', 'document'];

export interface SeedSummary {
  workspace: string;
  workspaceId: string;
  seed: number;
  counts: Record<EntityTypeName, number>;
  durationMs: number;
  token?: string;
}

export async function seedWorkspace(
  platform: Platform,
  crm: Crm,
  options: { workspace: string; size: number; seed: number; progress?: boolean },
): Promise<SeedSummary> {
  const started = performance.now();
  const { workspace, token } = await ensureWorkspace(crm, options.workspace);
  for (const name of writeOrder) {
    if ((await crm.records.count(entityTypes[name], workspace.id)) > 0) {
      throw new Error(`workspace ${options.workspace} already has ${name} records; seed an empty workspace`);
    }
  }
  const generated = generateWorkspace({ workspaceId: workspace.id, size: options.size, seed: options.seed });
  const total = writeOrder.reduce((sum, name) => sum + generated[name].length, 0);
  const bar =
    options.progress === false
      ? undefined
      : new SingleBar({ format: 'seeding {bar} {value}/{total} records | {type}', hideCursor: true });
  bar?.start(total, 0, { type: '' });
  let written = 0;
  for (const name of writeOrder) {
    const records = generated[name];
    for (let start = 0; start < records.length; start += CHUNK) {
      const chunk = records.slice(start, start + CHUNK);
      await crm.records.importRecords(entityTypes[name], workspace.id, chunk);
      written += chunk.length;
      bar?.update(written, { type: name });
    }
  }
  bar?.stop();
  platform.log.debug({ workspace: workspace.slug, total }, 'workspace seeded');
  const counts = Object.fromEntries(writeOrder.map((name) => [name, generated[name].length])) as Record<
    EntityTypeName,
    number
  >;
  return {
    workspace: workspace.slug,
    workspaceId: workspace.id,
    seed: options.seed,
    counts,
    durationMs: Math.round(performance.now() - started),
    ...(token ? { token } : {}),
  };
}

/** The workspace to seed, created (with the instance's first owner and token) when missing. */
async function ensureWorkspace(crm: Crm, slug: string) {
  const existing = await crm.identity.findWorkspaceBySlug(slug);
  if (existing) return { workspace: existing };
  const bootstrapped = await crm.identity.bootstrap();
  if (bootstrapped && bootstrapped.workspace.slug === slug) {
    return { workspace: bootstrapped.workspace, token: bootstrapped.token.token };
  }
  const owner =
    (await crm.identity.findUserByEmail('owner@localhost')) ??
    (await crm.identity.createUser({ email: 'owner@localhost', name: 'Owner' }));
  const workspace = await crm.identity.createWorkspace({ slug, name: slug, ownerUserId: owner.id });
  return { workspace, token: bootstrapped?.token.token };
}
