// Learned scoring on data we did not generate: the bank-marketing contact list (../shared/fixtures/datasets)
// goes through the product as a user would send it. Its training rows are imported through the CSV import
// as leads (the outcome as status, every other column a custom field, never the leaky `duration`), the
// workspace's scorers are trained, and every test row is scored through the lead agent. Then the seeded
// demo workspace's cross-validated lead and deal AUC, beside ranking by activity count alone.
// Usage: npm run bench:learning [-- --data path/to/bank-marketing.csv --size 10000]
// Prints one JSON line last:
// {"bench":"learning","bankMarketing":{"auc","baselineAuc","brier","ece","importSeconds","trainSeconds","scoreP99Ms"},"seeded":{"leadAuc","dealAuc"}}
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { createAgents } from '../src/agents/index.ts';
import { evaluateWorkspace } from '../src/agents/learning/evaluation.ts';
import { RESCORING_QUEUE } from '../src/agents/learning/record-scores.ts';
import { SCORING_QUEUE } from '../src/agents/learning/scoring-models.ts';
import { createAi } from '../src/ai/index.ts';
import { brierScore, expectedCalibrationError, rocAuc } from '../src/ai/scoring/calibration.ts';
import { CsvImporter } from '../src/crm/import/csv-import.ts';
import { entityTypes } from '../src/crm/records/entity-types.ts';
import { createVector } from '../src/vector/index.ts';
import { seededInstance } from './support/seeded-instance.ts';
import { percentile } from './support/stats.ts';

const DEFAULT_DATA = path.resolve(
  import.meta.dirname,
  '../../shared/fixtures/datasets/bank-marketing/bank-marketing.csv',
);
const { values } = parseArgs({
  options: { data: { type: 'string', default: DEFAULT_DATA }, size: { type: 'string', default: '10000' } },
});
/** The baseline its README states (plain logistic regression on the same split). */
const BASELINE_AUC = 0.753;

/** The dataset's fixed split: row k is a test row when FNV-1a("row" + k) / 2^32 < 0.3 (its README). */
function isTestRow(k: number): boolean {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`row${k}`)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32 < 0.3;
}

const round = (value: number, digits = 4) => Number(value.toFixed(digits));

async function main() {
  if (!fs.existsSync(values.data)) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'learning', skipped: `no dataset at ${values.data}` })}\n`,
    );
    return;
  }
  const rows = parse(fs.readFileSync(values.data), { columns: true }) as Record<string, string>[];
  const features = Object.keys(rows[0]!).filter((column) => column !== 'output' && column !== 'duration');
  // As a user would export it: a name, the outcome as the lead's status, every other column as it is.
  const toCsv = (part: { row: Record<string, string>; k: number }[], withOutcome: boolean) =>
    stringify([
      ['id', 'name', ...(withOutcome ? ['status'] : []), ...features],
      ...part.map(({ row, k }) => [
        `bank-${k}`,
        `Contact ${k}`,
        ...(withOutcome ? [row.output === 'yes' ? 'converted' : 'unqualified'] : []),
        ...features.map((column) => row[column]),
      ]),
    ]);
  const indexed = rows.map((row, k) => ({ row, k }));
  const train = indexed.filter(({ k }) => !isTestRow(k));
  const test = indexed.filter(({ k }) => isTestRow(k));

  const instance = await seededInstance('learning', Number(values.size));
  const { platform, crm } = instance;
  try {
    const ai = await createAi(platform);
    const vector = await createVector(platform, crm, ai, { repair: false });
    const agents = createAgents(platform, crm, vector, ai.registry);
    const owner = await crm.identity.createUser({ email: 'bench-learning@example.com' });
    const bank = await crm.identity.createWorkspace({ slug: 'bank', ownerUserId: owner.id });
    const importer = new CsvImporter(crm.records);

    const importStarted = performance.now();
    const imported = await importer.import(entityTypes.lead, bank.id, Readable.from([toCsv(train, true)]));
    const importSeconds = (performance.now() - importStarted) / 1000;
    if (imported.failed > 0) throw new Error(`import failed: ${JSON.stringify(imported.errors.slice(0, 5))}`);
    process.stdout.write(`imported ${imported.imported} training leads in ${importSeconds.toFixed(1)} s\n`);
    // Imported records are indexed for search, and the workspace's first scorers trained and its leads
    // scored, in the background; each measurement below runs on its own.
    const settle = async () => {
      await vector.indexer.idle();
      await agents.scores.flush();
      await platform.queue.idle(SCORING_QUEUE, 300_000);
      await platform.queue.idle(RESCORING_QUEUE, 300_000);
    };
    await settle();

    const trainStarted = performance.now();
    const [leadReport] = await agents.models.retrain(bank.id);
    const trainSeconds = (performance.now() - trainStarted) / 1000;
    process.stdout.write(
      `trained in ${trainSeconds.toFixed(1)} s: ${JSON.stringify(leadReport!.stored?.quality)}\n`,
    );

    await settle();
    await importer.import(entityTypes.lead, bank.id, Readable.from([toCsv(test, false)]));
    await settle();
    const rescoreStarted = performance.now();
    const rescored = await agents.scores.rescoreAll(bank.id);
    const rescoreSeconds = (performance.now() - rescoreStarted) / 1000;
    process.stdout.write(`rescored ${rescored} open leads in ${rescoreSeconds.toFixed(1)} s\n`);
    const caller = { workspaceId: bank.id };
    // The first answer loads the workspace's snapshot; that is once per interval, not a request's cost.
    await agents.orchestrator.run(caller, 'leadQualification', { leadId: `bank-${test[0]!.k}` });
    const probabilities: number[] = [];
    const labels: number[] = [];
    const times: number[] = [];
    for (const { row, k } of test) {
      const started = performance.now();
      const answer = await agents.orchestrator.run(caller, 'leadQualification', { leadId: `bank-${k}` });
      times.push(performance.now() - started);
      probabilities.push(answer.conversionProbability as number);
      labels.push(row.output === 'yes' ? 1 : 0);
    }
    times.sort((a, b) => a - b);
    const seeded = await evaluateWorkspace(crm.records, instance.workspaceId);
    await vector.close();
    const result = {
      bench: 'learning',
      bankMarketing: {
        auc: round(rocAuc(probabilities, labels)),
        baselineAuc: BASELINE_AUC,
        brier: round(brierScore(probabilities, labels)),
        ece: round(expectedCalibrationError(probabilities, labels)),
        importSeconds: round(importSeconds, 2),
        trainSeconds: round(trainSeconds, 2),
        scoreP99Ms: round(percentile(times, 0.99), 2),
        scoreP50Ms: round(percentile(times, 0.5), 2),
        rescored,
        rescoreSeconds: round(rescoreSeconds, 2),
        trainRows: imported.imported,
        testRows: test.length,
        crossValidatedAuc: leadReport!.stored?.quality.auc ?? null,
      },
      seeded: {
        records: Number(values.size),
        leadAuc: seeded.lead.auc,
        dealAuc: seeded.deal.auc,
        leadActivityBaselineAuc: seeded.lead.activityBaselineAuc,
        dealActivityBaselineAuc: seeded.deal.activityBaselineAuc,
      },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await platform.close();
    instance.remove();
  }
}

await main();
