// Search performance on a seeded workspace: end-to-end indexing throughput (database → local embedder →
// local engine), service-level and HTTP search latency, and recall@10 of the engine against exact search
// over the same vectors.
// With --large, also the engine alone at 1,000,000 vectors: the seed generator's records (no database)
// through the local embedder into one HNSW graph, then latency, recall@10 against exact search, and memory.
// With --onnx [model directory] (default: all-MiniLM-L6-v2 under CRM_AI_TEST_MODELS), the same run with a real
// model, beside the raw model alone embedding the same texts in this process (the baseline indexing is held
// to), query-embedding latency, and the event loop's delay while bulk indexing runs. EMBEDDING_DTYPE=q8 runs
// both on the quantized weights.
// Usage: npm run bench:vector [-- --size 100000 --queries 300 --seconds 10 --large] [-- --onnx [dir]]
// Prints one JSON line last: {"bench":"vector","indexing":{…},"search100k":{…},"engine1M":{…}} and, with
// --onnx, "embedder":"onnx:…","rawModel":{textsPerSec},"indexingVsRaw":…,"queryEmbedP99Ms":…,"eventLoopP99Ms":….
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SingleBar } from 'cli-progress';
import { createLocalEmbedder } from '../src/ai/embedders/local.ts';
import { createOnnxModel } from '../src/ai/embedders/onnx-model.ts';
import { createAi } from '../src/ai/index.ts';
import { type EntityTypeName, entityTypeList } from '../src/crm/records/entity-types.ts';
import { generateWorkspace } from '../src/crm/seed/generator.ts';
import { industries, noteTemplates, requirementTemplates } from '../src/crm/seed/vocabulary.ts';
import { entityChunks, entityPassages } from '../src/vector/entity-text.ts';
import { createVector } from '../src/vector/index.ts';
import { LocalVectorStore, readIndexFiles } from '../src/vector/stores/local.ts';
import { startChildServer } from './support/child-server.ts';
import { seededInstance } from './support/seeded-instance.ts';
import { percentile } from './support/stats.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '10' },
    large: { type: 'boolean', default: false },
    onnx: { type: 'boolean', default: false },
    model: { type: 'string' },
    'large-size': { type: 'string', default: '1000000' },
  },
});
const size = Number(values.size);
const queryCount = Number(values.queries);

/** Realistic queries: phrases a salesperson would type, built from the seed's vocabulary. */
function makeQueries(count: number): string[] {
  const phrases = industries.flatMap((industry) => [...industry.products, ...industry.pains]);
  const extras = [...requirementTemplates, ...noteTemplates].map((template) =>
    template.replace(/\{\w+\}/g, '').trim(),
  );
  let state = 7;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state;
  };
  // Distinct queries only: a repeated one would be answered by the result cache, not by search.
  const queries = new Set<string>();
  for (let i = 0; queries.size < count; i++) {
    const phrase = phrases[next() % phrases.length]!;
    const extra = extras[next() % extras.length]!.split(' ')
      .slice(0, 1 + (i % 6))
      .join(' ');
    queries.add(i < 4 * count ? `${phrase} ${extra}` : `${phrase} ${extra} ${i}`);
  }
  return [...queries];
}

/** The vectors a workspace's embedded index holds, read from its files (meta.json names the live labels). */
function indexedVectors(directory: string) {
  const { meta, graph } = readIndexFiles(directory);
  const { dimensions } = meta;
  const matrix = new Float32Array(meta.labels.length * dimensions);
  const rowByKey = new Map<string, number>();
  meta.labels.forEach(([label, entityType, entityId, chunk], row) => {
    matrix.set(graph.getPoint(label), row * dimensions);
    rowByKey.set(`${entityType}:${entityId}:${chunk}`, row);
  });
  return { matrix, rowByKey };
}

/** The engine alone at a million vectors: build rate, latency at the store's settings, recall, memory. */
async function engineAtScale(count: number) {
  const rssBefore = process.memoryUsage().rss;
  const records = generateWorkspace({ workspaceId: 'large', size: count, seed: 42 });
  const embedder = createLocalEmbedder();
  const vectors: Float32Array[] = [];
  for (const type of entityTypeList) {
    const texts = records[type.name as EntityTypeName].flatMap((record) =>
      entityChunks(type.name as EntityTypeName, record).map((chunk) => chunk.text),
    );
    for (let start = 0; start < texts.length && vectors.length < count; start += 10_000)
      vectors.push(...(await embedder.embed(texts.slice(start, start + 10_000))));
  }
  vectors.length = Math.min(vectors.length, count);
  const store = new LocalVectorStore({ directory: fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-large-')) });
  const progress = new SingleBar({ format: 'engine1M build |{bar}| {value}/{total} {eta_formatted}' });
  progress.start(vectors.length, 0);
  const buildStarted = performance.now();
  for (let start = 0; start < vectors.length; start += 10_000) {
    await store.upsert(
      'large',
      embedder.model,
      vectors.slice(start, start + 10_000).map((vector, i) => ({
        entityType: 'document',
        entityId: String(start + i),
        chunk: 0,
        vector,
      })),
    );
    progress.update(Math.min(vectors.length, start + 10_000));
  }
  progress.stop();
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  const queries = await embedder.embed(makeQueries(100));
  const latencies: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await store.query('large', embedder.model, query, { topK: 10 });
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  let hits = 0;
  const scores = new Float32Array(vectors.length);
  for (const query of queries) {
    const found = await store.query('large', embedder.model, query, { topK: 10 });
    for (let row = 0; row < vectors.length; row++) {
      const vector = vectors[row]!;
      let dot = 0;
      for (let d = 0; d < vector.length; d++) dot += vector[d]! * query[d]!;
      scores[row] = dot;
    }
    const tenth = tenthBest(scores);
    hits += found.filter((match) => scores[Number(match.entityId)]! >= tenth - 1e-6).length;
  }
  const rssMb = Math.round((process.memoryUsage().rss - rssBefore) / 1024 / 1024);
  await store.flush();
  const indexBytes = (await store.info('large'))?.sizeBytes ?? 0;
  await store.drop('large');
  return {
    vectors: vectors.length,
    buildPerSec: Math.round(vectors.length / buildSeconds),
    p50Ms: percentile(latencies, 0.5, 3),
    p99Ms: percentile(latencies, 0.99, 3),
    recallAt10: Number((hits / (queries.length * 10)).toFixed(4)),
    // The process's growth while it held the records, their vectors and the graph.
    processMemoryMb: rssMb,
    indexFileMb: Math.round(indexBytes / 1024 / 1024),
  };
}

/** The 10th highest score, without sorting the whole array. */
function tenthBest(scores: Float32Array): number {
  const top = new Float32Array(10).fill(Number.NEGATIVE_INFINITY);
  for (const score of scores) {
    if (score <= top[9]!) continue;
    let i = 9;
    while (i > 0 && top[i - 1]! < score) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = score;
  }
  return top[Math.min(9, scores.length - 1)]!;
}

async function main() {
  const modelDir = values.onnx
    ? (values.model ?? path.join(process.env.CRM_AI_TEST_MODELS ?? '', 'all-MiniLM-L6-v2'))
    : undefined;
  const instance = await seededInstance(
    'vector',
    size,
    modelDir ? { EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_PATH: modelDir } : {},
  );
  const { env, platform, crm, workspaceId } = instance;
  const children: ChildProcess[] = [];
  try {
    const ai = await createAi(platform);
    const vector = await createVector(platform, crm, ai, { repair: false });
    const embedder = ai.registry.embedder;

    // The texts the index will hold: the raw model's baseline embeds them.
    const texts: string[] = [];
    for (const type of entityTypeList) {
      for await (const page of crm.records.pages(type, workspaceId)) {
        for (const record of page) {
          for (const passage of entityPassages(type.name as EntityTypeName, record)) {
            texts.push(passage.text);
          }
        }
      }
    }
    // With a real model, the model alone embeds every text first: the raw throughput indexing is held to.
    let rawModel: { texts: number; seconds: number; textsPerSec: number } | undefined;
    if (modelDir) {
      // The model alone, in this thread with its default batches: no worker, no indexer, no store.
      const dtype = platform.config.embedding.provider === 'onnx' ? platform.config.embedding.dtype : 'auto';
      const raw = await createOnnxModel({ modelPath: modelDir, dtype });
      const rawStarted = performance.now();
      await raw.embed(texts);
      const seconds = (performance.now() - rawStarted) / 1000;
      rawModel = {
        texts: texts.length,
        seconds: Number(seconds.toFixed(2)),
        textsPerSec: Math.round(texts.length / seconds),
      };
      process.stdout.write(`raw model: ${rawModel.textsPerSec} texts/s\n`);
    }

    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const indexStarted = performance.now();
    const indexed = await vector.service.rebuild(workspaceId);
    const indexSeconds = (performance.now() - indexStarted) / 1000;
    loopDelay.disable();
    const indexing = {
      records: indexed.indexed,
      vectors: indexed.vectors,
      seconds: Number(indexSeconds.toFixed(2)),
      recordsPerSec: Math.round(indexed.indexed / indexSeconds),
      textsPerSec: Math.round(indexed.vectors / indexSeconds),
      eventLoopP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(2)),
    };
    process.stdout.write(`indexed ${indexed.indexed} records in ${indexing.seconds} s\n`);

    let queryEmbedP99Ms: number | undefined;
    if (modelDir) {
      const embedLatencies: number[] = [];
      const [warmUp, measured] = [makeQueries(550).slice(500), makeQueries(500)];
      // Warm-up first, as for searches: the query lane's first inferences allocate its buffers.
      for (const query of warmUp) await embedder.embed([query]);
      for (const query of measured) {
        const started = performance.now();
        await embedder.embed([query]);
        embedLatencies.push(performance.now() - started);
      }
      queryEmbedP99Ms = percentile(
        embedLatencies.sort((a, b) => a - b),
        0.99,
        2,
      );
    }
    // Exact search runs over the vectors the index holds, read back from its files: the engine's recall, whatever
    // the embedder (q8 weights quantize activations per batch, so re-embedding a text need not give its vector).
    const dimensions = embedder.dimensions;
    const { matrix, rowByKey } = indexedVectors(path.join(instance.dataDir, 'vectors', workspaceId));
    const vectorCount = rowByKey.size;
    const queries = makeQueries(queryCount);
    // Latency first, on its own: the exact scans below allocate heavily and their garbage collection would
    // land in the service's percentiles.
    const serviceLatencies: number[] = [];
    // Warm-up with other queries: the first searches compile their code paths.
    for (const query of makeQueries(queryCount + 50).slice(queryCount))
      await vector.service.search(workspaceId, { query, topK: 10, minScore: -1 });
    for (const query of queries) {
      const started = performance.now();
      await vector.service.search(workspaceId, { query, topK: 10, minScore: -1 });
      serviceLatencies.push(performance.now() - started);
    }
    let recallHits = 0;
    const scores = new Float32Array(vectorCount);
    for (const query of queries) {
      const q = await vector.service.embedText(query, workspaceId);
      const approximate = await vector.store.query(workspaceId, vector.service.model, q, { topK: 10 });
      for (let row = 0; row < vectorCount; row++) {
        let dot = 0;
        const offset = row * dimensions;
        for (let d = 0; d < dimensions; d++) dot += matrix[offset + d]! * q[d]!;
        scores[row] = dot;
      }
      // Template-made records tie often: a result counts when its exact score reaches the 10th best, which
      // is what recall means when several records are equally close.
      const tenth = tenthBest(scores);
      recallHits += approximate.filter((match) => {
        const row = rowByKey.get(`${match.entityType}:${match.entityId}:${match.chunk}`);
        return row !== undefined && scores[row]! >= tenth - 1e-6;
      }).length;
    }
    serviceLatencies.sort((a, b) => a - b);
    await vector.close();
    await platform.close();

    const address = await startChildServer(['bin/crm-ai.js', 'serve'], { ...env, PORT: '0' }, children);
    // Fresh queries throughout: a repeated query would measure the result cache, not search.
    const httpQueries = makeQueries(20_000).map((query, i) => `${query} ${i}`);
    let next = 0;
    const result = await autocannon({
      url: `${address}/api/vector/demo/search`,
      method: 'POST',
      // One connection: latency of a search, not of a queue behind other searches on this 2-core machine.
      connections: 1,
      duration: Number(values.seconds),
      headers: { authorization: `Bearer ${instance.token}`, 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ query: httpQueries[next++ % httpQueries.length], topK: 10 }),
          }),
        },
      ],
    });

    const search = {
      records: size,
      vectors: vectorCount,
      queries: queries.length,
      serviceP50Ms: percentile(serviceLatencies, 0.5, 3),
      serviceP99Ms: percentile(serviceLatencies, 0.99, 3),
      httpP50Ms: result.latency.p50,
      httpP99Ms: result.latency.p99,
      httpRps: Math.round(result.requests.average),
      // Reported, not thrown: latencies over failed requests are read with these beside them.
      httpNon2xx: result.non2xx,
      httpErrors: result.errors,
      httpTimeouts: result.timeouts,
      recallAt10: Number((recallHits / (queries.length * 10)).toFixed(4)),
    };
    for (const child of children) child.kill('SIGTERM');
    const engine1M = values.large ? await engineAtScale(Number(values['large-size'])) : undefined;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'vector',
        indexing,
        [`search${Math.round(size / 1000)}k`]: search,
        ...(engine1M ? { engine1M } : {}),
        ...(rawModel
          ? {
              rawModel,
              indexingVsRaw: Number((indexing.textsPerSec / rawModel.textsPerSec).toFixed(3)),
              queryEmbedP99Ms,
            }
          : {}),
        engine: 'hnswlib-node M16 efC64 ef384',
        embedder: embedder.model,
        cpus: os.cpus().length,
      })}\n`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    instance.remove();
  }
}

await main();
