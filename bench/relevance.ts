// Search quality on the judged dev set (bench/relevance: 153 hand-written CRM records, 44 queries in four
// kinds with graded relevance), indexed and searched through the HTTP API as built, for every embedder
// available: the local one, and each real model under CRM_AI_TEST_MODELS (scripts/test-models.sh).
// For each: keyword-only (hybrid with vectorWeight 0), vector-only (semantic search) and hybrid (defaults).
// Usage: npm run bench:relevance
// Prints one JSON line last: {"bench":"relevance","embedders":{"local":{"keyword":K,"vector":K,"hybrid":K},…}}
// where K = {"all":{"ndcg10","recall10"},"exact":{…},"keyword":{…},"semantic":{…},"paraphrase":{…}}.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { entityTypes } from '../src/crm/records/entity-types.ts';
import { createLogger } from '../src/platform/logger.ts';
import {
  type JudgedQuery,
  loadDevSet,
  ndcgAt,
  type QueryKind,
  queryKinds,
  recallAt,
} from './relevance/dev-set.ts';

type Mode = 'keyword' | 'vector' | 'hybrid';
type Scores = Record<'all' | QueryKind, { ndcg10: number; recall10: number }>;

/** The embedders to compare: the local one, and every converted model in CRM_AI_TEST_MODELS. */
export function availableEmbedders(): { name: string; env: Record<string, string> }[] {
  const embedders: { name: string; env: Record<string, string> }[] = [
    { name: 'local', env: { EMBEDDING_PROVIDER: 'local' } },
  ];
  const root = process.env.CRM_AI_TEST_MODELS;
  if (root && fs.existsSync(root)) {
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const directory = path.join(root, entry.name);
      embedders.push({
        name: entry.name,
        env: { EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_PATH: directory },
      });
    }
  }
  return embedders;
}

/** A fresh instance with the dev set loaded through the API; `search` answers one query in one mode. */
export async function devSetInstance(env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-relevance-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    BOOTSTRAP_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '100000000',
    MODEL_AUTO_PULL: 'false',
    ...env,
  });
  const built = await buildApp(config, createLogger({ logLevel: 'warn' }));
  const address = await built.app.listen({ host: '127.0.0.1', port: 0 });
  const user = await built.crm.identity.createUser({ email: 'bench@example.com' });
  const workspace = await built.crm.identity.createWorkspace({ slug: 'relevance', ownerUserId: user.id });
  const { token } = await built.crm.identity.issueToken(user.id, 'bench');
  const call = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${address}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const { records, queries } = loadDevSet();
  for (const type of Object.values(entityTypes)) {
    const ofType = records.filter((record) => record.type === type.name).map((record) => record.fields);
    if (ofType.length > 0)
      await call('POST', `/api/workspaces/${workspace.id}/${type.plural}/batch`, { records: ofType });
  }
  await built.vector.indexer.idle();
  const search = async (query: string, mode: Mode, extra: Record<string, unknown> = {}) => {
    const body =
      mode === 'vector'
        ? { query, topK: 10, ...extra }
        : // Keyword-only is the keyword side's own order: rank fusion with no weight on the vector side.
          { query, topK: 10, ...(mode === 'keyword' ? { vectorWeight: 0, fusion: 'rrf' } : {}), ...extra };
    const endpoint = mode === 'vector' ? 'search' : 'hybrid-search';
    const { results } = (await call('POST', `/api/vector/${workspace.id}/${endpoint}`, body)) as {
      results: { entityId: string; score: number }[];
    };
    return results;
  };
  return {
    queries,
    search,
    /** Both sides' candidates and their features, straight from the service (for calibration). */
    candidates: (query: string, topK = 10) => built.vector.service.candidates(workspace.id, query, { topK }),
    model: built.vector.service.model,
    async close() {
      await built.app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function score(all: { query: JudgedQuery; ranked: string[] }[]): Scores {
  const rankings = all.filter(({ query }) => query.kind !== 'noise');
  const mean = (values: number[]) => Number((values.reduce((a, b) => a + b, 0) / values.length).toFixed(4));
  const of = (subset: typeof rankings) => ({
    ndcg10: mean(subset.map(({ query, ranked }) => ndcgAt(10, ranked, query.relevant))),
    recall10: mean(subset.map(({ query, ranked }) => recallAt(10, ranked, query.relevant))),
  });
  return Object.fromEntries([
    ['all', of(rankings)],
    ...queryKinds.map((kind) => [kind, of(rankings.filter(({ query }) => query.kind === kind))]),
  ]) as Scores;
}

/** How often hybrid hits in each score band were relevant: what a `minScore` threshold buys. */
function reliability(hits: readonly { score: number; relevant: boolean }[]): string {
  const bands = [0.9, 0.7, 0.5, 0.3, 0];
  return bands
    .map((low, i) => {
      const high = i === 0 ? Number.POSITIVE_INFINITY : bands[i - 1]!;
      const inBand = hits.filter((hit) => hit.score >= low && hit.score < high);
      const share = inBand.filter((hit) => hit.relevant).length / Math.max(1, inBand.length);
      return `${low}+: ${Math.round(share * 100)}% relevant of ${inBand.length}`;
    })
    .join(', ');
}

async function main() {
  const report: Record<string, Record<Mode, Scores>> = {};
  for (const embedder of availableEmbedders()) {
    const instance = await devSetInstance(embedder.env);
    try {
      const byMode = {} as Record<Mode, Scores>;
      const hybridHits: { score: number; relevant: boolean }[] = [];
      for (const mode of ['keyword', 'vector', 'hybrid'] as const) {
        const rankings = [];
        for (const query of instance.queries) {
          const results = await instance.search(query.text, mode);
          rankings.push({ query, ranked: results.map((hit) => hit.entityId) });
          if (mode === 'hybrid' && query.kind !== 'noise')
            for (const hit of results)
              hybridHits.push({ score: hit.score, relevant: (query.relevant[hit.entityId] ?? 0) > 0 });
        }
        byMode[mode] = score(rankings);
      }
      report[embedder.name] = byMode;
      process.stderr.write(`${embedder.name}: ${reliability(hybridHits)}\n`);
      // Nonsense must find nothing: the relevance floor at work.
      const noise = instance.queries.filter((query) => query.kind === 'noise');
      let noiseHits = 0;
      for (const query of noise) noiseHits += (await instance.search(query.text, 'hybrid')).length;
      process.stderr.write(`${embedder.name}: ${noiseHits} results for ${noise.length} nonsense queries\n`);
      process.stderr.write(
        `${embedder.name} (${instance.model}): ndcg@10 keyword ${byMode.keyword.all.ndcg10}, vector ${byMode.vector.all.ndcg10}, hybrid ${byMode.hybrid.all.ndcg10}\n`,
      );
    } finally {
      await instance.close();
    }
  }
  process.stdout.write(`${JSON.stringify({ bench: 'relevance', embedders: report })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
