// The workflow engine as a unit ("service spec" size): the DAG's validation, ordering, concurrency, failure
// propagation, retries and result passing, with agents and a history of the test's own; no database.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { type Agent, type AgentName, agentNames, defineAgent } from '../../src/agents/agent.ts';
import type { AgentHistory } from '../../src/agents/history.ts';
import { AgentOrchestrator, type WorkflowStep } from '../../src/agents/orchestrator.ts';
import { AppError } from '../../src/platform/errors.ts';
import { gate } from '../support/gate.ts';

type Behaviour = (input: Record<string, unknown>, previous?: Record<string, unknown>) => Promise<unknown>;

/** An orchestrator whose every agent does what `behaviours` say (by step input `step`), recording events. */
function harness(behaviours: Record<string, Behaviour>) {
  const events: string[] = [];
  const recorded: unknown[] = [];
  const fake = (name: AgentName): Agent =>
    defineAgent({
      name,
      description: 'test agent',
      input: z.looseObject({ step: z.string().optional() }),
      output: z.unknown(),
      instructions: '',
      async analyze(context, input) {
        const step = String(input.step ?? name);
        events.push(`start ${step}`);
        try {
          const output = await (behaviours[step] ?? (async () => ({ step })))(input, context.previousResults);
          events.push(`end ${step}`);
          return { output, evidence: [], records: [] };
        } catch (error) {
          events.push(`fail ${step}`);
          throw error;
        }
      },
    });
  const catalogue = Object.fromEntries(agentNames.map((name) => [name, fake(name)])) as Record<
    AgentName,
    Agent
  >;
  const history = {
    record: async (run: object) => {
      recorded.push(run);
      return { ...run, id: `run-${recorded.length}`, createdAt: new Date().toISOString() };
    },
  } as unknown as AgentHistory;
  const orchestrator = new AgentOrchestrator(
    {} as never,
    history,
    async () => undefined,
    'analytic',
    undefined,
    undefined,
    catalogue,
  );
  const run = (steps: WorkflowStep[]) => orchestrator.workflow({ workspaceId: 'ws-1' }, steps);
  return { run, events, recorded };
}

const step = (name: string, extra: Partial<WorkflowStep> = {}): WorkflowStep => ({
  name,
  agent: 'summary',
  input: { step: name },
  ...extra,
});

describe('workflow engine', () => {
  test('refuses unknown and forward dependencies before running anything', async () => {
    const { run, events, recorded } = harness({});
    for (const steps of [
      [step('a', { dependsOn: ['nope'] })],
      [step('a', { dependsOn: ['b'] }), step('b')],
    ]) {
      await assert.rejects(run(steps), (error: AppError) => error.code === 'VALIDATION_FAILED');
    }
    assert.deepEqual(events, []);
    assert.deepEqual(recorded, []);
  });

  test('without dependsOn, each step waits for every earlier one', async () => {
    const { run, events } = harness({});
    const report = await run([step('a'), step('b'), step('c')]);
    assert.equal(report.status, 'succeeded');
    assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('steps with dependsOn [] run at once; a step depending on both starts after both ended', async () => {
    const bothStarted = gate();
    let started = 0;
    const concurrent: Behaviour = async () => {
      started += 1;
      if (started === 2) bothStarted.open();
      // Neither finishes until the other has started: run one after the other, this never resolves.
      await bothStarted.opened;
      return {};
    };
    const { run, events } = harness({ a: concurrent, b: concurrent });
    const report = await run([
      step('a', { dependsOn: [] }),
      step('b', { dependsOn: [] }),
      step('c', { dependsOn: ['a', 'b'] }),
    ]);
    assert.equal(report.status, 'succeeded');
    assert.deepEqual(events.slice(0, 2).sort(), ['start a', 'start b']);
    assert.equal(events.indexOf('start c'), 4, 'c starts after a and b ended');
  });

  test('a failed step skips its dependents only; the workflow is partial and recorded', async () => {
    const { run, recorded } = harness({
      a: async () => {
        throw new AppError('RECORD_NOT_FOUND', 404, 'no such lead');
      },
    });
    const report = await run([
      step('a', { dependsOn: [] }),
      step('b', { dependsOn: ['a'] }),
      step('c', { dependsOn: [] }),
    ]);
    assert.equal(report.status, 'partial');
    assert.deepEqual(
      report.steps.map((s) => [s.name, s.status]),
      [
        ['a', 'failed'],
        ['b', 'skipped'],
        ['c', 'succeeded'],
      ],
    );
    assert.equal(report.steps[0]!.error?.code, 'RECORD_NOT_FOUND');
    assert.equal(recorded.length, 1, 'one history entry for the workflow');
  });

  test('server-side failures are retried up to `retries`; bad input is not retried', async () => {
    let flakyCalls = 0;
    let badCalls = 0;
    const { run } = harness({
      flaky: async () => {
        flakyCalls += 1;
        if (flakyCalls < 3) throw new Error('upstream hiccup');
        return { ok: true };
      },
      bad: async () => {
        badCalls += 1;
        throw AppError.validation('leadId is required');
      },
    });
    const report = await run([
      step('flaky', { dependsOn: [], retries: 2 }),
      step('bad', { dependsOn: [], retries: 2 }),
    ]);
    assert.deepEqual(
      report.steps.map((s) => [s.name, s.status, s.attempts]),
      [
        ['flaky', 'succeeded', 3],
        ['bad', 'failed', 1],
      ],
    );
    assert.equal(badCalls, 1);
  });

  test('a step whose input is null receives the results of the steps it depends on', async () => {
    let seen: Record<string, unknown> | undefined;
    const { run } = harness({
      summary: async (_input, previous) => {
        seen = previous;
        return {};
      },
    });
    await run([step('first'), { name: 'then', agent: 'summary', input: null }]);
    assert.deepEqual(Object.keys(seen ?? {}), ['first']);
    assert.equal((seen!.first as { step: string }).step, 'first');
  });
});
