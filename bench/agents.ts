// Agent latency on the analytic engine over a seeded workspace, and the scoring models' quality on a held-out
// split of the seeded history beside a naive baseline (ranking by activity count alone).
// Usage: npm run bench:agents [-- --size 10000 --runs 200]
// Prints one JSON line last: {"bench":"agents","latency":{…},"eval":{"leadScoring":{…},"dealWin":{…}}}
import { parseArgs } from 'node:util';
import type { AgentName } from '../src/agents/agent.ts';
import { createAgents } from '../src/agents/index.ts';
import { evaluateWorkspace } from '../src/agents/learning/evaluation.ts';
import { createAi } from '../src/ai/index.ts';
import { entityTypes, type RecordRow } from '../src/crm/records/entity-types.ts';
import { createVector } from '../src/vector/index.ts';
import { seededInstance } from './support/seeded-instance.ts';
import { percentile } from './support/stats.ts';

const { values } = parseArgs({
  options: { size: { type: 'string', default: '10000' }, runs: { type: 'string', default: '200' } },
});
const runs = Number(values.runs);

async function main() {
  const instance = await seededInstance('agents', Number(values.size));
  const { platform, crm, workspaceId } = instance;
  try {
    const ai = await createAi(platform);
    const vector = await createVector(platform, crm, ai, { repair: false });
    await vector.service.rebuild(workspaceId);
    const agents = createAgents(platform, crm, vector, ai.registry);
    const all = async (type: keyof typeof entityTypes) => {
      const rows: RecordRow[] = [];
      for await (const page of crm.records.pages(entityTypes[type], workspaceId)) rows.push(...page);
      return rows;
    };
    const [leads, deals, contacts] = [await all('lead'), await all('deal'), await all('contact')];
    const companies = [...new Set(deals.map((deal) => deal.company as string))];
    const pick = <T>(items: T[], i: number) => items[(i * 7919) % items.length]!;
    const inputs: Record<AgentName, (i: number) => unknown> = {
      leadQualification: (i) => ({ leadId: pick(leads, i).id }),
      dealAnalysis: (i) => ({ dealId: pick(deals, i).id }),
      customerInsights: (i) => ({ customerId: pick(contacts, i).id }),
      recommendation: (i) => (i % 2 ? { entityType: 'deal', entityId: pick(deals, i).id } : {}),
      research: (i) => ({ company: pick(companies, i) }),
      summary: (i) => ({ entityType: 'deal', entityId: pick(deals, i).id }),
      decision: (i) => ({
        question: 'Which deal first?',
        options: [
          { name: 'a', dealId: pick(deals, i).id },
          { name: 'b', dealId: pick(deals, i + 1).id },
        ],
      }),
    };
    const caller = { workspaceId };
    // The first call trains the workspace's models; that is a one-off per retrain, not a request's cost.
    await agents.orchestrator.run(caller, 'leadQualification', inputs.leadQualification(0));
    const latency: Record<string, { p50Ms: number; p99Ms: number }> = {};
    for (const [name, input] of Object.entries(inputs) as [AgentName, (i: number) => unknown][]) {
      for (let i = 0; i < 10; i++) await agents.orchestrator.run(caller, name, input(runs + i));
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await agents.orchestrator.run(caller, name, input(i));
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      latency[name] = { p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99) };
      process.stdout.write(`${name}: p50 ${latency[name].p50Ms} ms, p99 ${latency[name].p99Ms} ms\n`);
    }
    // Cross-validated on the workspace's decided records, beside ranking by activity count alone.
    const evaluation = await evaluateWorkspace(crm.records, workspaceId);
    await vector.close();
    process.stdout.write(
      `${JSON.stringify({ bench: 'agents', records: Number(values.size), runs, latency, eval: evaluation })}\n`,
    );
  } finally {
    await platform.close();
    instance.remove();
  }
}

await main();
