// Self-hosted training workers on the fine-tuning page: each worker's health, hardware, the methods it can
// run (and why not the others), and its current job; admins register a worker (its token is shown once,
// with the command to run on the GPU host) and revoke one.
import { useState } from 'react';
import { api, post } from '../api/client.ts';
import type { RegisteredTrainer, TrainerList, Workspace } from '../api/types.ts';
import {
  ErrorNote,
  Loading,
  Section,
  StatusBadge,
  TableWrap,
  useAction,
  useAsync,
} from '../components/ui.tsx';

export function TrainerSection({ base, workspace }: { base: string; workspace: Workspace }) {
  const trainers = useAsync(() => api<TrainerList>('GET', `${base}/trainers`), [base]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<RegisteredTrainer | null>(null);
  const canManage = workspace.role === 'owner' || workspace.role === 'admin';

  const { act, error } = useAction(trainers.reload);
  const register = () =>
    act(async () => {
      setCreated(await post<RegisteredTrainer>(`${base}/trainers`, { name: name.trim() }));
      setName('');
    });

  const list = trainers.data?.trainers ?? [];
  return (
    <Section title="Training workers (self-hosted)">
      <p className="muted">
        Workers run <code>crm-ai-trainer</code> on your own GPU hosts and train this workspace's{' '}
        <code>self-hosted</code> jobs: LoRA, QLoRA, full, prefix- and p-tuning.
      </p>
      {trainers.loading && !trainers.data ? <Loading /> : null}
      <ErrorNote error={trainers.error ?? error} />
      {list.length === 0 && trainers.data ? <p className="muted">No workers registered.</p> : null}
      {list.length > 0 ? (
        <TableWrap>
          <table aria-label="Training workers">
            <thead>
              <tr>
                <th>Name</th>
                <th>Health</th>
                <th>Hardware</th>
                <th>Methods</th>
                <th>Current job</th>
                <th>Last seen</th>
                {canManage ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {list.map((trainer) => (
                <tr key={trainer.id}>
                  <td>
                    {trainer.name} <span className="muted">{trainer.tokenPrefix}…</span>
                  </td>
                  <td>
                    <StatusBadge status={trainer.health} />
                  </td>
                  <td>
                    {trainer.hardware
                      ? `${trainer.hardware.name} (${trainer.hardware.device}${
                          trainer.hardware.freeMemoryGib === null
                            ? ''
                            : `, ${trainer.hardware.freeMemoryGib} GiB free`
                        })`
                      : '—'}
                  </td>
                  <td>
                    {trainer.capabilities?.methods.join(', ') ?? '—'}
                    {Object.entries(trainer.capabilities?.unavailable ?? {}).map(([method, why]) => (
                      <div key={method} className="muted">
                        no {method}: {why}
                      </div>
                    ))}
                  </td>
                  <td>
                    {trainer.currentJobId ? (
                      <a href={`#/fine-tuning/jobs/${trainer.currentJobId}`}>
                        {trainer.currentJobId.slice(0, 8)}
                      </a>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{trainer.lastSeenAt ? new Date(trainer.lastSeenAt).toLocaleString() : 'never'}</td>
                  {canManage ? (
                    <td>
                      {trainer.revokedAt ? null : (
                        <button
                          type="button"
                          className="secondary"
                          onClick={() => act(() => api('DELETE', `${base}/trainers/${trainer.id}`))}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {canManage ? (
        <form
          className="row"
          onSubmit={(event) => {
            event.preventDefault();
            if (name.trim()) void register();
          }}
        >
          <label>
            Worker name
            <input name="trainerName" value={name} onChange={(event) => setName(event.target.value)} />
          </label>
          <button type="submit" disabled={!name.trim()}>
            Register a worker
          </button>
        </form>
      ) : null}
      {created ? (
        <div className="note" data-testid="trainer-token">
          <p>
            Token for <strong>{created.trainer.name}</strong>, shown once:
          </p>
          <pre>
            crm-ai-trainer --server {window.location.origin} --token {created.token}
          </pre>
        </div>
      ) : null}
    </Section>
  );
}
