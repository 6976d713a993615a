// The mixed workload bench:load and bench:soak send: reads 70%, writes 10%, hybrid searches 15%, agent tasks
// 5%, open-loop at a fixed rate (each request leaves on schedule whatever the previous ones are doing, so
// queueing shows up as latency), alternating between the targets.
import { randomBytes } from 'node:crypto';
import { percentile } from './stats.ts';

const MAX_IN_FLIGHT = 2000;
const WORDS = [
  'renewal',
  'enterprise',
  'pricing',
  'integration',
  'security',
  'migration',
  'onboarding',
  'analytics',
  'support',
  'contract',
  'pilot',
  'budget',
];

export type Op = 'read' | 'write' | 'search' | 'agent';

export interface Target {
  url: string;
  headers: Record<string, string>;
}

export interface Ids {
  contacts: string[];
  leads: string[];
  deals: string[];
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

function chooseOp(): Op {
  const roll = Math.random();
  return roll < 0.7 ? 'read' : roll < 0.8 ? 'write' : roll < 0.95 ? 'search' : 'agent';
}

async function send(
  target: Target,
  workspaceId: string,
  op: Op,
  ids: Ids,
  onCreated?: (id: string) => void,
): Promise<boolean> {
  const json = { ...target.headers, 'content-type': 'application/json' };
  let response: Response;
  if (op === 'read') {
    const type = pick(['contacts', 'leads', 'deals'] as const);
    response = await fetch(`${target.url}/api/workspaces/${workspaceId}/${type}/${pick(ids[type])}`, {
      headers: target.headers,
    });
  } else if (op === 'write') {
    response =
      Math.random() < 0.5
        ? await fetch(`${target.url}/api/workspaces/${workspaceId}/contacts`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify({
              name: `Load ${randomBytes(4).toString('hex')}`,
              email: `${randomBytes(4).toString('hex')}@load.example`,
            }),
          })
        : await fetch(`${target.url}/api/workspaces/${workspaceId}/leads/${pick(ids.leads)}`, {
            method: 'PATCH',
            headers: json,
            body: JSON.stringify({ notes: `followed up about ${pick(WORDS)}` }),
          });
  } else if (op === 'search') {
    response = await fetch(`${target.url}/api/vector/${workspaceId}/hybrid-search`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ query: `${pick(WORDS)} ${pick(WORDS)}`, topK: 10 }),
    });
  } else {
    response = await fetch(`${target.url}/api/agents/${workspaceId}/qualify-lead/${pick(ids.leads)}`, {
      method: 'POST',
      headers: json,
      body: '{}',
    });
  }
  if (response.status === 201 && onCreated) onCreated(((await response.json()) as { id: string }).id);
  else await response.arrayBuffer();
  return response.ok;
}

export async function run(
  targets: Target[],
  workspaceId: string,
  ids: Ids,
  rate: number,
  seconds: number,
  /** Hears the id of every record a write created (bench:soak checks that none is lost). */
  onCreated?: (id: string) => void,
) {
  const latencies: Record<Op, number[]> = { read: [], write: [], search: [], agent: [] };
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight.size >= MAX_IN_FLIGHT) {
      errors++;
      continue;
    }
    const op = chooseOp();
    const target = targets[i % targets.length]!;
    sent++;
    const promise = (async () => {
      const t = performance.now();
      try {
        if (!(await send(target, workspaceId, op, ids, onCreated))) errors++;
      } catch {
        errors++;
      }
      // Latency from when the request was due, so a late start counts against the server, not for it.
      latencies[op].push(performance.now() - Math.min(t, due));
    })();
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  const ops = Object.fromEntries(
    Object.entries(latencies).map(([op, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return [
        op,
        sorted.length
          ? { count: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) }
          : { count: 0 },
      ];
    }),
  ) as Record<Op, { count: number; p50Ms?: number; p99Ms?: number }>;
  return {
    ratePerSec: rate,
    achievedPerSec: Math.round(sent / elapsed),
    seconds: Math.round(elapsed),
    ops,
    errorRate: Number((errors / Math.max(1, total)).toFixed(4)),
  };
}

/** Waits until the instance's rebuilt index stops growing (each instance builds its own at start). */
export async function waitForIndex(target: Target, workspaceId: string) {
  let last = -1;
  let steadySince = Date.now();
  for (let attempt = 0; attempt < 1200; attempt++) {
    const stats = (await (
      await fetch(`${target.url}/api/vector/${workspaceId}/stats`, { headers: target.headers })
    ).json()) as { vectors: number };
    if (stats.vectors !== last) {
      last = stats.vectors;
      steadySince = Date.now();
    } else if (last > 0 && Date.now() - steadySince > 3000) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the search index was not built in time');
}
