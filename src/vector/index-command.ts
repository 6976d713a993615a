// `crm-ai index` (and the tail of `crm-ai seed`): index a whole workspace with a progress bar.
import { SingleBar } from 'cli-progress';
import { createAi } from '../ai/index.ts';
import type { Crm } from '../crm/index.ts';
import { entityTypeList } from '../crm/records/entity-types.ts';
import type { Platform } from '../platform/index.ts';
import { createVector } from './index.ts';

export async function indexWorkspace(
  platform: Platform,
  crm: Crm,
  workspaceId: string,
  options: { rebuild?: boolean; progress?: boolean },
) {
  const started = performance.now();
  const vector = await createVector(platform, crm, await createAi(platform, { background: false }), {
    repair: false,
  });
  try {
    let total = 0;
    for (const type of entityTypeList) total += await crm.records.count(type, workspaceId);
    const bar =
      options.progress === false
        ? undefined
        : new SingleBar({ format: 'indexing {bar} {value}/{total} records | {eta}s left', hideCursor: true });
    bar?.start(total, 0);
    let done = 0;
    const onProgress = (count: number) => {
      done += count;
      bar?.update(done);
    };
    let report = { indexed: 0, vectors: 0 };
    if (options.rebuild) {
      report = await vector.service.rebuild(workspaceId, onProgress);
    } else {
      await vector.service.settlingCoveredChanges(workspaceId, async () => {
        for (const type of entityTypeList) {
          const part = await vector.service.indexAll(workspaceId, type.name, onProgress);
          report.indexed += part.indexed;
          report.vectors += part.vectors;
        }
      });
    }
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    return {
      records: report.indexed,
      vectors: report.vectors,
      model: vector.service.model,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSec: Math.round(report.indexed / seconds),
    };
  } finally {
    await vector.close();
  }
}
