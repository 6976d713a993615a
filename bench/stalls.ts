// Whether one heavy request stalls everyone: a large dataset upload and a large embedding request run
// against an in-process server while /health is polled and the event loop's delay is sampled.
// Usage: npm run bench:stalls [-- --upload-mb 9 --rounds 3]
// Prints one JSON line last:
// {"bench":"stalls","upload":{"bytes","status","ms"},"embedding":{…},"eventLoopDelayP99Ms","eventLoopDelayMaxMs",
//  "health":{"count","p50Ms","p99Ms","maxMs"}}
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { percentile } from './support/stats.ts';

const { values } = parseArgs({
  options: {
    'upload-mb': { type: 'string', default: '9' },
    rounds: { type: 'string', default: '3' },
  },
});

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-bench-stalls-'));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    LOG_LEVEL: 'warn',
    BOOTSTRAP_DEMO: 'true',
    BODY_LIMIT_BYTES: String(16 * 1024 * 1024),
  });
  const { app, crm } = await buildApp(config, createLogger({ logLevel: 'warn' }));
  const bootstrap = (await crm.identity.bootstrap())!;
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const headers = { authorization: `Bearer ${bootstrap.token.token}`, 'content-type': 'application/json' };

  // Serialised before timing starts: the client's own work must not count as the server's stall.
  const uploadBody = JSON.stringify({
    name: 'Large upload',
    type: 'completion',
    baseModel: 'llama-3.1-8b',
    trainingData: { source: 'upload', jsonl: completionLines(Number(values['upload-mb']) * 1024 * 1024) },
  });
  const embeddingBody = JSON.stringify({
    texts: Array.from({ length: 256 }, (_, i) =>
      `${i} ${'customer asked about renewal pricing '.repeat(100)}`.slice(0, 4000),
    ),
  });

  const loop = monitorEventLoopDelay({ resolution: 10 });
  const health: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const started = performance.now();
      await (await fetch(`${base}/health`)).arrayBuffer();
      health.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  loop.enable();
  const timed = async (url: string, body: string) => {
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers, body });
    await response.arrayBuffer();
    return { bytes: body.length, status: response.status, ms: Math.round(performance.now() - started) };
  };
  const uploads = [];
  const embeddings = [];
  for (let round = 0; round < Number(values.rounds); round += 1) {
    uploads.push(await timed(`${base}/api/ai/fine-tuning/demo/datasets`, uploadBody));
    embeddings.push(await timed(`${base}/api/vector/embedding`, embeddingBody));
  }
  loop.disable();
  polling = false;
  await poller;
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });

  health.sort((a, b) => a - b);
  const round2 = (value: number) => Math.round(value * 100) / 100;
  console.log(
    JSON.stringify({
      bench: 'stalls',
      upload: uploads.at(-1),
      embedding: embeddings.at(-1),
      eventLoopDelayP99Ms: round2(loop.percentile(99) / 1e6),
      eventLoopDelayMaxMs: round2(loop.max / 1e6),
      health: {
        count: health.length,
        p50Ms: round2(percentile(health, 0.5)),
        p99Ms: round2(percentile(health, 0.99)),
        maxMs: round2(health.at(-1) ?? 0),
      },
    }),
  );
}

/** Question/answer lines adding up to about `bytes`. */
function completionLines(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const line = JSON.stringify({
      prompt: `Customer ${i} asks whether the annual plan covers onboarding for ${i % 40} new seats?`,
      completion: `Yes: the annual plan includes onboarding for up to ${i % 40} seats, scheduled within two weeks.`,
    });
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

await main();
