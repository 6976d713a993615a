// Agents: run any agent on a record and read its structured answer with the evidence records; build and
// run a workflow of steps; the task history.

import { useState } from 'react';
import { get, post } from '../api/client.ts';
import type { AgentInfo, AgentRun, Evidence, Workspace } from '../api/types.ts';
import { Badge, ErrorNote, Loading, Section, StatusBadge, useAsync } from '../components/ui.tsx';

/** Agents that look at one record, and where its id goes. */
const RECORD_INPUT: Record<string, { field: string; plural: string }> = {
  leadQualification: { field: 'leadId', plural: 'leads' },
  dealAnalysis: { field: 'dealId', plural: 'deals' },
  customerInsights: { field: 'customerId', plural: 'contacts' },
};

export function AgentsPage({ workspace }: { workspace: Workspace }) {
  const agents = useAsync(() => get<{ engine: string; agents: AgentInfo[] }>('/api/agents/agents/list'), []);
  const [runs, setRuns] = useState(0);
  if (agents.loading && !agents.data) return <Loading what="Loading agents" />;
  if (agents.error) return <ErrorNote error={agents.error} />;
  // Each run adds to the history: bumping this reloads it.
  const onRun = () => setRuns((count) => count + 1);
  return (
    <div className="stack">
      <RunAgent
        workspace={workspace}
        agents={agents.data!.agents}
        engine={agents.data!.engine}
        onRun={onRun}
      />
      <WorkflowBuilder workspace={workspace} agents={agents.data!.agents} onRun={onRun} />
      <History workspace={workspace} runs={runs} />
    </div>
  );
}

function RunAgent({
  workspace,
  agents,
  engine,
  onRun,
}: {
  workspace: Workspace;
  agents: AgentInfo[];
  engine: string;
  onRun: () => void;
}) {
  const [agent, setAgent] = useState(agents[0]?.name ?? '');
  const [recordId, setRecordId] = useState('');
  const [extra, setExtra] = useState('{}');
  const [answer, setAnswer] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const recordInput = RECORD_INPUT[agent];
  const records = useAsync(
    () =>
      recordInput
        ? get<{ data: { id: string; name?: string; title?: string; status?: string }[] }>(
            `/api/workspaces/${workspace.id}/${recordInput.plural}?limit=50`,
          )
        : Promise.resolve({ data: [] }),
    [agent, workspace.id],
  );

  const run = async () => {
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      const input = {
        ...JSON.parse(extra || '{}'),
        ...(recordInput && recordId ? { [recordInput.field]: recordId } : {}),
      };
      setAnswer(await post<Record<string, unknown>>(`/api/agents/${workspace.id}/execute`, { agent, input }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      onRun();
    }
  };
  const { evidence, ...output } = (answer ?? {}) as { evidence?: Evidence[] } & Record<string, unknown>;

  return (
    <Section title="Run an agent" actions={<span className="muted">engine: {engine}</span>}>
      <div className="grid">
        <label>
          Agent
          <select
            name="agent"
            value={agent}
            onChange={(event) => {
              // Each agent has its own input: nothing typed for the last one carries over.
              setAgent(event.target.value);
              setRecordId('');
              setExtra('{}');
              setAnswer(null);
            }}
          >
            {agents.map((a) => (
              <option key={a.name} value={a.name}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        {recordInput ? (
          <label>
            Record
            <select name="record" value={recordId} onChange={(event) => setRecordId(event.target.value)}>
              <option value="">Choose a {recordInput.plural.slice(0, -1)}…</option>
              {records.data?.data.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name ?? r.title ?? r.id}
                  {r.status ? ` (${r.status})` : ''}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="span">
          Other input (JSON)
          <input name="input" value={extra} onChange={(event) => setExtra(event.target.value)} />
        </label>
      </div>
      <p className="muted">{agents.find((a) => a.name === agent)?.description}</p>
      <button type="button" disabled={busy || (recordInput !== undefined && !recordId)} onClick={run}>
        {busy ? 'Running…' : 'Run'}
      </button>
      <ErrorNote error={error} />
      {answer ? (
        <div className="answer" data-testid="agent-answer">
          <h3>
            Answer <Badge tone="info">{String(answer.engine)}</Badge>
          </h3>
          <pre>{JSON.stringify(output, null, 2)}</pre>
          <h3>Evidence</h3>
          <ul data-testid="agent-evidence">
            {(evidence ?? []).map((item) => (
              <li key={`${item.entityType}:${item.entityId}`}>
                <Badge>{item.entityType}</Badge> {item.entityId}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </Section>
  );
}

// Keys for the step list (crypto.randomUUID needs HTTPS off localhost).
let stepCounter = 0;
const newStepId = () => String(++stepCounter);

interface Step {
  id: string;
  name: string;
  agent: string;
  input: string;
}

function WorkflowBuilder({
  workspace,
  agents,
  onRun,
}: {
  workspace: Workspace;
  agents: AgentInfo[];
  onRun: () => void;
}) {
  const [steps, setSteps] = useState<Step[]>([
    { id: newStepId(), name: 'step1', agent: agents[0]?.name ?? '', input: '{}' },
  ]);
  const [result, setResult] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const update = (index: number, patch: Partial<Step>) =>
    setSteps(steps.map((s, i) => (i === index ? { ...s, ...patch } : s)));

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const workflow = steps.map((s) => ({
        name: s.name,
        agent: s.agent,
        input: JSON.parse(s.input || '{}'),
      }));
      setResult(await post(`/api/agents/${workspace.id}/workflow`, { workflow }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      onRun();
    }
  };

  return (
    <Section title="Workflow">
      <p className="muted">Steps run in order; each sees the results of the earlier ones.</p>
      {steps.map((step, index) => (
        <div key={step.id} className="grid step">
          <label>
            Step name
            <input value={step.name} onChange={(event) => update(index, { name: event.target.value })} />
          </label>
          <label>
            Agent
            <select value={step.agent} onChange={(event) => update(index, { agent: event.target.value })}>
              {agents.map((a) => (
                <option key={a.name}>{a.name}</option>
              ))}
            </select>
          </label>
          <label className="span">
            Input (JSON)
            <input value={step.input} onChange={(event) => update(index, { input: event.target.value })} />
          </label>
          <button
            type="button"
            className="link"
            onClick={() => setSteps(steps.filter((_, i) => i !== index))}
            disabled={steps.length === 1}
          >
            Remove
          </button>
        </div>
      ))}
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setSteps([
              ...steps,
              {
                id: newStepId(),
                name: `step${steps.length + 1}`,
                agent: agents[0]?.name ?? '',
                input: '{}',
              },
            ])
          }
        >
          Add step
        </button>
        <button type="button" disabled={busy} onClick={run}>
          {busy ? 'Running…' : 'Run workflow'}
        </button>
      </div>
      <ErrorNote error={error} />
      {result ? (
        <div className="answer">
          <h3>
            Workflow <StatusBadge status={String(result.status)} />
          </h3>
          <pre>{JSON.stringify(result, null, 2)}</pre>
        </div>
      ) : null}
    </Section>
  );
}

function History({ workspace, runs }: { workspace: Workspace; runs: number }) {
  const history = useAsync(
    () => get<{ data: AgentRun[] }>(`/api/agents/${workspace.id}/history?limit=25`),
    [workspace.id, runs],
  );
  return (
    <Section
      title="Task history"
      actions={
        <button type="button" className="secondary" onClick={history.reload}>
          Refresh
        </button>
      }
    >
      {history.loading && !history.data ? <Loading /> : null}
      <ErrorNote error={history.error} />
      {history.data ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Kind</th>
                <th>Agent</th>
                <th>Status</th>
                <th>Engine</th>
                <th>ms</th>
              </tr>
            </thead>
            <tbody>
              {history.data.data.map((run) => (
                <tr key={run.id}>
                  <td>{new Date(run.createdAt).toLocaleString()}</td>
                  <td>{run.kind}</td>
                  <td>{run.agent}</td>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td>{run.engine}</td>
                  <td>{run.durationMs}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Section>
  );
}
