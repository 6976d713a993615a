// Automation: the workspace's rules (enable, disable, dry-run, create from a definition with an example to
// start from), the approval queue (approve or reject each proposal, with the agents' answers behind it) and
// the run log.
import { useState } from 'react';
import { api, post } from '../api/client.ts';
import type { AutomationRule, AutomationRun, DryRun, Workspace } from '../api/types.ts';
import {
  Badge,
  ErrorNote,
  Loading,
  RefreshButton,
  Section,
  StatusBadge,
  TableWrap,
  useAction,
  useAsync,
} from '../components/ui.tsx';

const EXAMPLE = {
  trigger: {
    kind: 'record',
    entityType: 'lead',
    on: ['created'],
    conditions: [{ field: 'source', op: 'eq', value: 'website' }],
  },
  steps: [{ name: 'qualify', agent: 'leadQualification', input: { leadId: '{{record.id}}' } }],
  actions: [
    { type: 'update_record', fields: { 'custom.aiScore': '{{answers.qualify.qualityScore}}' } },
    {
      type: 'create_activity',
      activityType: 'task',
      subject: 'Call {{record.name}} (score {{answers.qualify.qualityScore}})',
      when: [{ field: 'answers.qualify.qualityScore', op: 'gte', value: 60 }],
    },
  ],
  requiresApproval: false,
};

export function AutomationsPage({ workspace }: { workspace: Workspace }) {
  const base = `/api/automations/${workspace.id}`;
  const rules = useAsync(() => api<{ rules: AutomationRule[] }>('GET', `${base}/rules`), [base]);
  const runs = useAsync(() => api<{ runs: AutomationRun[] }>('GET', `${base}/runs?limit=50`), [base]);
  const [dryRun, setDryRun] = useState<DryRun | null>(null);
  const canWrite = workspace.role === 'owner' || workspace.role === 'admin';
  const canDecide = canWrite || workspace.role === 'member';

  const { act, error } = useAction(() => {
    rules.reload();
    runs.reload();
  });
  const ruleName = (id: string) => rules.data?.rules.find((rule) => rule.id === id)?.name ?? id.slice(0, 8);
  const pending = runs.data?.runs.filter((run) => run.status === 'pending_approval') ?? [];

  return (
    <div className="stack">
      <ErrorNote error={error} />
      <Section title="Rules">
        {rules.loading && !rules.data ? <Loading /> : null}
        <ErrorNote error={rules.error} />
        {rules.data && rules.data.rules.length === 0 ? <p className="muted">No rules yet.</p> : null}
        {rules.data && rules.data.rules.length > 0 ? (
          <TableWrap>
            <table aria-label="Rules">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Trigger</th>
                  <th>Steps</th>
                  <th>Actions</th>
                  <th>State</th>
                  {canWrite ? <th /> : null}
                </tr>
              </thead>
              <tbody>
                {rules.data.rules.map((rule) => {
                  const definition = rule.definition as {
                    trigger: { kind: string; entityType: string };
                    steps: { agent: string }[];
                    actions: { type: string }[];
                    requiresApproval: boolean;
                  };
                  return (
                    <tr key={rule.id}>
                      <td>{rule.name}</td>
                      <td>
                        {definition.trigger.kind} · {definition.trigger.entityType}
                      </td>
                      <td>{definition.steps.map((step) => step.agent).join(', ') || '—'}</td>
                      <td>
                        {definition.actions.map((action) => action.type).join(', ') || 'observe'}
                        {definition.requiresApproval ? ' (approval)' : ''}
                      </td>
                      <td>
                        {rule.enabled ? (
                          <Badge tone="good">enabled</Badge>
                        ) : (
                          <Badge tone="warn">disabled</Badge>
                        )}
                        {rule.disabledReason ? <div className="muted">{rule.disabledReason}</div> : null}
                      </td>
                      {canWrite ? (
                        <td className="row">
                          <button
                            type="button"
                            className="secondary"
                            onClick={() =>
                              act(() => api('PATCH', `${base}/rules/${rule.id}`, { enabled: !rule.enabled }))
                            }
                          >
                            {rule.enabled ? 'Disable' : 'Enable'}
                          </button>
                          <button
                            type="button"
                            className="secondary"
                            onClick={() =>
                              act(async () =>
                                setDryRun(
                                  await post<DryRun>(`${base}/rules/${rule.id}/dry-run`, { limit: 3 }),
                                ),
                              )
                            }
                          >
                            Dry run
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        ) : null}
        {dryRun ? <DryRunResult result={dryRun} /> : null}
        {canWrite ? <NewRule base={base} onCreated={() => act(async () => {})} /> : null}
      </Section>

      <Section title="Waiting for approval">
        {pending.length === 0 ? <p className="muted">Nothing waits for approval.</p> : null}
        {pending.map((run) => (
          <article key={run.id} className="card" aria-label={`Proposal of ${ruleName(run.ruleId)}`}>
            <p>
              <strong>{ruleName(run.ruleId)}</strong> on {String(run.trigger.entityType)}{' '}
              <code>{String(run.trigger.entityId).slice(0, 8)}</code> proposes:
            </p>
            <ul>
              {(run.actions ?? [])
                .filter((action) => action.status === 'planned')
                .map((action) => JSON.stringify(action.detail))
                .map((detail) => (
                  <li key={detail}>
                    <code>{detail}</code>
                  </li>
                ))}
            </ul>
            {canDecide ? (
              <div className="row">
                <button type="button" onClick={() => act(() => post(`${base}/runs/${run.id}/approve`))}>
                  Approve
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => act(() => post(`${base}/runs/${run.id}/reject`))}
                >
                  Reject
                </button>
              </div>
            ) : null}
          </article>
        ))}
      </Section>

      <Section title="Run log" actions={<RefreshButton onClick={runs.reload} />}>
        <ErrorNote error={runs.error} />
        {runs.data && runs.data.runs.length === 0 ? <p className="muted">No runs yet.</p> : null}
        {runs.data && runs.data.runs.length > 0 ? (
          <TableWrap>
            <table aria-label="Runs">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Rule</th>
                  <th>Trigger</th>
                  <th>Status</th>
                  <th>Actions</th>
                  <th>Decided by</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.runs.map((run) => (
                  <tr key={run.id}>
                    <td>{new Date(run.createdAt).toLocaleString()}</td>
                    <td>{ruleName(run.ruleId)}</td>
                    <td>
                      {String(run.trigger.kind)} · {String(run.trigger.entityType)}{' '}
                      <code>{String(run.trigger.entityId).slice(0, 8)}</code>
                    </td>
                    <td>
                      <StatusBadge status={run.status} />
                      {run.error ? <div className="muted">{run.error}</div> : null}
                    </td>
                    <td>
                      {(run.actions ?? []).map((action) => `${action.type} ${action.status}`).join(', ') ||
                        '—'}
                    </td>
                    <td>{run.decidedBy ? run.decidedBy.slice(0, 8) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ) : null}
      </Section>
    </div>
  );
}

function DryRunResult({ result }: { result: DryRun }) {
  return (
    <div className="note" data-testid="dry-run">
      <p>Dry run on the latest {result.records} matching records (nothing was changed):</p>
      <ul>
        {result.results.map((item) => (
          <li key={item.recordId}>
            <code>{item.recordId.slice(0, 8)}</code>:{' '}
            {item.actions
              .map(
                (action) =>
                  `${action.type} ${action.status === 'planned' ? JSON.stringify(action.detail) : '(skipped)'}`,
              )
              .join('; ') || 'observe'}
          </li>
        ))}
      </ul>
    </div>
  );
}

function NewRule({ base, onCreated }: { base: string; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [definition, setDefinition] = useState(JSON.stringify(EXAMPLE, null, 2));
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const create = async () => {
    setError(null);
    try {
      const parsed = JSON.parse(definition);
      const created = await post<{ webhookSecret: string }>(`${base}/rules`, {
        name: name.trim(),
        definition: parsed,
      });
      setSecret(created.webhookSecret);
      setName('');
      onCreated();
    } catch (failure) {
      setError(
        failure instanceof SyntaxError
          ? new Error(`the definition is not JSON: ${failure.message}`)
          : failure,
      );
    }
  };
  return (
    <form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        void create();
      }}
    >
      <h3>New rule</h3>
      <label>
        Rule name
        <input name="ruleName" value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        Definition (trigger, steps, actions; see the README for every option)
        <textarea
          name="definition"
          rows={14}
          spellCheck={false}
          value={definition}
          onChange={(event) => setDefinition(event.target.value)}
        />
      </label>
      <ErrorNote error={error} />
      <div className="row">
        <button type="submit" disabled={!name.trim()}>
          Create rule
        </button>
      </div>
      {secret ? (
        <p className="note" data-testid="webhook-secret">
          Webhook signing secret, shown once: <code>{secret}</code>
        </p>
      ) : null}
    </form>
  );
}
