// HTTP throughput and latency of the API on a seeded 10,000-record workspace, next to a bare Fastify route.
// Usage: npm run bench:http [-- --duration 10 --connections 16 --size 10000]
// Prints one JSON line last: {"bench":"http","getRecord":{rps,p50Ms,p99Ms},"listPage":{…},"bare":{…}}
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startChildServer } from './support/child-server.ts';
import { seededInstance } from './support/seeded-instance.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    size: { type: 'string', default: '10000' },
  },
});
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);

async function main() {
  const instance = await seededInstance('http', Number(values.size));
  const { dataDir, env, token } = instance;
  await instance.platform.close();
  const children: ChildProcess[] = [];
  try {
    const api = await startChildServer(['bin/crm-ai.js', 'serve'], { ...env, PORT: '0' }, children);
    const headers = { authorization: `Bearer ${token}` };
    const page = (await (
      await fetch(`${api}/api/workspaces/demo/contacts?limit=50`, { headers })
    ).json()) as {
      data: { id: string }[];
    };
    const recordId = page.data[0]!.id;
    // The baseline answers the very bytes of the record: the comparison is about our work, not payload size.
    const payloadFile = path.join(dataDir, 'bare-payload.json');
    const recordResponse = await fetch(`${api}/api/workspaces/demo/contacts/${recordId}`, { headers });
    fs.writeFileSync(payloadFile, await recordResponse.text());
    const bare = await startChildServer(
      ['--import', 'tsx', 'bench/bare-server.ts'],
      { ...env, BARE_PAYLOAD_FILE: payloadFile },
      children,
    );

    const results = {
      bench: 'http',
      getRecord: await measure(`${api}/api/workspaces/demo/contacts/${recordId}`, headers),
      listPage: await measure(`${api}/api/workspaces/demo/contacts?limit=50`, headers),
      bare: await measure(`${bare}/bare`, {}),
      config: {
        engine: 'sqlite',
        records: Number(values.size),
        durationSeconds,
        connections,
        logLevel: 'warn',
        cpus: os.cpus().length,
      },
    };
    const ratio = results.getRecord.rps / results.bare.rps;
    process.stdout.write(`getRecord at ${(ratio * 100).toFixed(1)}% of the bare route (goal ≥ 50%)\n`);
    process.stdout.write(`${JSON.stringify({ ...results, getRecordVsBare: Number(ratio.toFixed(3)) })}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    instance.remove();
  }
}

async function measure(url: string, headers: Record<string, string>) {
  // A short warm-up lets the JIT settle before the measured run.
  await autocannon({ url, headers, connections, duration: 2 });
  const result = await autocannon({ url, headers, connections, duration: durationSeconds });
  // Failures are reported beside the latencies (a latency over failed requests means little: read both).
  return {
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

await main();
