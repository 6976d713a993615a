// Agents: run any agent with a form generated from its input schema (records picked by search) and read its
// answer as a card; build and run a workflow of such forms; the task history, each run opening whole.

import { useState } from 'react';
import { get, post } from '../api/client.ts';
import type { AgentInfo, AgentRun, AgentRunDetail, Workspace } from '../api/types.ts';
import { AgentAnswer } from '../components/AgentAnswer.tsx';
import { useAnsweringModel } from '../components/models.tsx';
import { RecordLink } from '../components/records.tsx';
import { initialValue, type JsonSchema, SchemaForm } from '../components/SchemaForm.tsx';
import {
  Badge,
  ErrorNote,
  Loading,
  RefreshButton,
  Section,
  StatusBadge,
  TableWrap,
  useAsync,
} from '../components/ui.tsx';

/** The JSON Schema an agent publishes for its input (the agents list), for its generated form. */
const inputSchemaOf = (agents: AgentInfo[], name: string) =>
  (agents.find((a) => a.name === name)?.input ?? {}) as JsonSchema;

export function AgentsPage({ workspace, route }: { workspace: Workspace; route: string[] }) {
  const agents = useAsync(() => get<{ engine: string; agents: AgentInfo[] }>('/api/agents/agents/list'), []);
  const [runs, setRuns] = useState(0);
  if (route[0] === 'runs' && route[1]) return <RunPage workspace={workspace} runId={route[1]} />;
  if (agents.loading && !agents.data) return <Loading what="Loading agents" />;
  if (agents.error) return <ErrorNote error={agents.error} />;
  // Each run adds to the history: bumping this reloads it.
  const onRun = () => setRuns((count) => count + 1);
  return (
    <div className="stack">
      <RunAgent workspace={workspace} agents={agents.data!.agents} onRun={onRun} />
      <WorkflowBuilder workspace={workspace} agents={agents.data!.agents} onRun={onRun} />
      <History workspace={workspace} runs={runs} />
    </div>
  );
}

function RunAgent({
  workspace,
  agents,
  onRun,
}: {
  workspace: Workspace;
  agents: AgentInfo[];
  onRun: () => void;
}) {
  const [agent, setAgent] = useState(agents[0]?.name ?? '');
  const schemaOf = (name: string) => inputSchemaOf(agents, name);
  const [input, setInput] = useState(() => initialValue(schemaOf(agent)));
  const [answer, setAnswer] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const answering = useAnsweringModel(workspace.id);

  const run = async () => {
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      setAnswer(await post<Record<string, unknown>>(`/api/agents/${workspace.id}/execute`, { agent, input }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      onRun();
    }
  };

  return (
    <Section title="Run an agent" actions={<span className="muted">answering: {answering}</span>}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <label>
          Agent
          <select
            name="agent"
            value={agent}
            onChange={(event) => {
              // Each agent has its own input: nothing chosen for the last one carries over.
              setAgent(event.target.value);
              setInput(initialValue(schemaOf(event.target.value)));
              setAnswer(null);
              setError(null);
            }}
          >
            {agents.map((a) => (
              <option key={a.name} value={a.name}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <p className="muted">{agents.find((a) => a.name === agent)?.description}</p>
        <SchemaForm schema={schemaOf(agent)} value={input} onChange={setInput} workspaceId={workspace.id} />
        <button type="submit" disabled={busy}>
          {busy ? 'Running…' : 'Run'}
        </button>
      </form>
      <ErrorNote error={error} />
      {answer ? <AgentAnswer answer={answer} workspaceId={workspace.id} /> : null}
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
  /** null: the step reads the results of the earlier steps instead. */
  input: Record<string, unknown> | null;
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
  const schemaOf = (name: string) => inputSchemaOf(agents, name);
  const newStep = (index: number): Step => {
    const agent = agents[0]?.name ?? '';
    return { id: newStepId(), name: `step${index + 1}`, agent, input: initialValue(schemaOf(agent)) };
  };
  const [steps, setSteps] = useState<Step[]>(() => [newStep(0)]);
  const [result, setResult] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const update = (index: number, patch: Partial<Step>) =>
    setSteps(steps.map((s, i) => (i === index ? { ...s, ...patch } : s)));

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const workflow = steps.map((s) => ({ name: s.name, agent: s.agent, input: s.input }));
      setResult(await post(`/api/agents/${workspace.id}/workflow`, { workflow }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      onRun();
    }
  };
  const answers = (result?.results ?? {}) as Record<string, Record<string, unknown>>;
  const reports = (result?.steps ?? []) as { name: string; status: string; error?: string }[];

  return (
    <Section title="Workflow">
      <p className="muted">
        Steps run in order; a step without its own input reads the earlier steps’ results.
      </p>
      {steps.map((step, index) => (
        <fieldset key={step.id} className="step" data-testid="workflow-step">
          <legend>Step {index + 1}</legend>
          <div className="grid">
            <label>
              Step name
              <input value={step.name} onChange={(event) => update(index, { name: event.target.value })} />
            </label>
            <label>
              Agent
              <select
                value={step.agent}
                onChange={(event) =>
                  update(index, {
                    agent: event.target.value,
                    input: initialValue(schemaOf(event.target.value)),
                  })
                }
              >
                {agents.map((a) => (
                  <option key={a.name}>{a.name}</option>
                ))}
              </select>
            </label>
            {index > 0 ? (
              <label className="inline">
                <input
                  type="checkbox"
                  checked={step.input === null}
                  onChange={(event) =>
                    update(index, { input: event.target.checked ? null : initialValue(schemaOf(step.agent)) })
                  }
                />
                Use the earlier steps’ results as input
              </label>
            ) : null}
          </div>
          {step.input !== null ? (
            <SchemaForm
              schema={schemaOf(step.agent)}
              value={step.input}
              onChange={(input) => update(index, { input })}
              workspaceId={workspace.id}
            />
          ) : null}
          <button
            type="button"
            className="link"
            onClick={() => setSteps(steps.filter((_, i) => i !== index))}
            disabled={steps.length === 1}
          >
            Remove step {index + 1}
          </button>
        </fieldset>
      ))}
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={() => setSteps([...steps, newStep(steps.length)])}
        >
          Add step
        </button>
        <button type="button" disabled={busy} onClick={run}>
          {busy ? 'Running…' : 'Run workflow'}
        </button>
      </div>
      <ErrorNote error={error} />
      {result ? (
        <div className="answer" data-testid="workflow-result">
          <h3>
            Workflow <StatusBadge status={String(result.status)} />
          </h3>
          {reports.map((report) => (
            <div key={report.name}>
              <h4>
                {report.name} <StatusBadge status={report.status} />
              </h4>
              {report.error ? <p className="error">{report.error}</p> : null}
              {answers[report.name] ? (
                <AgentAnswer answer={answers[report.name]!} workspaceId={workspace.id} />
              ) : null}
            </div>
          ))}
          <details>
            <summary>Raw JSON</summary>
            <pre>{JSON.stringify(result, null, 2)}</pre>
          </details>
        </div>
      ) : null}
    </Section>
  );
}

export function HistoryTable({ workspace, runs }: { workspace: Workspace; runs: AgentRun[] }) {
  return (
    <TableWrap>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Agent</th>
            <th>About</th>
            <th>Status</th>
            <th>Answered by</th>
            <th>ms</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <td>
                <a href={`#/agents/runs/${run.id}`}>{new Date(run.createdAt).toLocaleString()}</a>
              </td>
              <td>{run.kind === 'workflow' ? 'workflow' : run.agent}</td>
              <td>
                {run.subjectType && run.subjectId ? (
                  <RecordLink workspaceId={workspace.id} type={run.subjectType} id={run.subjectId} />
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>{run.engine}</td>
              <td>{run.durationMs}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function History({ workspace, runs }: { workspace: Workspace; runs: number }) {
  const history = useAsync(
    () => get<{ data: AgentRun[] }>(`/api/agents/${workspace.id}/history?limit=25`),
    [workspace.id, runs],
  );
  return (
    <Section title="Task history" actions={<RefreshButton onClick={history.reload} />}>
      {history.loading && !history.data ? <Loading /> : null}
      <ErrorNote error={history.error} />
      {history.data?.data.length === 0 ? <p className="muted">No runs yet.</p> : null}
      {history.data && history.data.data.length > 0 ? (
        <HistoryTable workspace={workspace} runs={history.data.data} />
      ) : null}
    </Section>
  );
}

function RunPage({ workspace, runId }: { workspace: Workspace; runId: string }) {
  const run = useAsync(
    () => get<AgentRunDetail>(`/api/agents/${workspace.id}/history/${runId}`),
    [workspace.id, runId],
  );
  if (run.loading && !run.data) return <Loading what="Loading the run" />;
  if (run.error) return <ErrorNote error={run.error} />;
  const r = run.data!;
  const output = (r.output ?? {}) as Record<string, unknown>;
  return (
    <div className="stack">
      <p>
        <a href="#/agents">← Agents</a>
      </p>
      <Section
        title={`${r.kind === 'workflow' ? 'Workflow' : r.agent} run`}
        actions={<StatusBadge status={r.status} />}
      >
        <dl className="facts">
          <dt>When</dt>
          <dd>{new Date(r.createdAt).toLocaleString()}</dd>
          <dt>About</dt>
          <dd>
            {r.subjectType && r.subjectId ? (
              <RecordLink workspaceId={workspace.id} type={r.subjectType} id={r.subjectId} />
            ) : (
              '—'
            )}
          </dd>
          <dt>Answered by</dt>
          <dd>
            <Badge tone="info">{r.engine}</Badge>
          </dd>
          <dt>Took</dt>
          <dd>{r.durationMs} ms</dd>
        </dl>
        {r.error ? <p className="error">{r.error}</p> : null}
        <h3>Input</h3>
        <pre className="input">{JSON.stringify(r.input, null, 2)}</pre>
      </Section>
      {r.kind === 'task' && r.output ? (
        <AgentAnswer answer={{ agent: r.agent, engine: r.engine, ...output }} workspaceId={workspace.id} />
      ) : r.output ? (
        <Section title="Result">
          <pre>{JSON.stringify(r.output, null, 2)}</pre>
        </Section>
      ) : null}
    </div>
  );
}
