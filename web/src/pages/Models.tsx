// Models: which deployed model serves each kind of work (the agents' chat model, the lead-scoring
// classifier), one active per kind, chosen here; activate another, roll back to the one before, or undeploy.
// The table compares every deployed model on its held-out metrics against the baseline.
import { get, post } from '../api/client.ts';
import type { DeployedModel, DeployedModels, Workspace } from '../api/types.ts';
import { answeringModel, deployedModelsPath } from '../components/models.tsx';
import {
  Badge,
  ErrorNote,
  formatNumber,
  Loading,
  Section,
  TableWrap,
  useAction,
  useAsync,
} from '../components/ui.tsx';

const SLOT_NAMES: Record<string, string> = {
  chat: 'Chat model (answers the agents)',
  'classifier:lead-conversion': 'Lead-conversion classifier (scores leads: agents and record scores)',
  'classifier:deal-outcome': 'Deal-outcome classifier (scores open deals: agents and record scores)',
};
const slotName = (slot: string) => SLOT_NAMES[slot] ?? slot;

export function ModelsPage({ workspace, onChange }: { workspace: Workspace; onChange: () => void }) {
  const models = useAsync(() => get<DeployedModels>(deployedModelsPath(workspace.id)), [workspace.id]);
  const { act, error } = useAction(() => {
    models.reload();
    onChange();
  });
  const canManage = workspace.role === 'admin' || workspace.role === 'owner';
  if (models.loading && !models.data) return <Loading what="Loading models" />;
  if (models.error) return <ErrorNote error={models.error} />;
  const data = models.data!;
  const byId = new Map(data.models.map((model) => [model.id, model]));
  const base = `/api/ai/fine-tuning/${workspace.id}`;
  const slots = [
    ...new Set([
      'chat',
      ...data.slots.map((s) => s.slot),
      ...data.models.flatMap((m) => (m.slot ? [m.slot] : [])),
    ]),
  ];

  return (
    <div className="stack">
      <ErrorNote error={error} />
      <Section title="Serving now">
        <p>
          Agents are answered by <strong data-testid="answering-model">{answeringModel(data)}</strong>.
        </p>
        <TableWrap>
          <table data-testid="model-slots">
            <thead>
              <tr>
                <th>Kind</th>
                <th>Active model</th>
                <th>Since</th>
                <th>Before it</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {slots.map((slot) => {
                const active = data.slots.find((s) => s.slot === slot);
                const model = active && byId.get(active.modelId);
                const previous = active?.previousModelId ? byId.get(active.previousModelId) : undefined;
                return (
                  <tr key={slot}>
                    <td>{slotName(slot)}</td>
                    <td>
                      {model ? (
                        model.name
                      ) : (
                        <span className="muted">
                          {slot === 'chat' ? (data.defaultChatModel ?? 'analytic engine') : 'none'} (default)
                        </span>
                      )}
                    </td>
                    <td>{active ? active.activatedAt.slice(0, 16) : '—'}</td>
                    <td>{previous?.name ?? '—'}</td>
                    <td>
                      {canManage && previous ? (
                        <button
                          type="button"
                          className="secondary"
                          onClick={() => void act(() => post(`${base}/models/slots/${slot}/rollback`))}
                        >
                          Roll back to {previous.name}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      </Section>
      <Section title="Deployed models">
        {data.models.length === 0 ? (
          <p className="muted">
            Nothing deployed yet: deploy a succeeded job from <a href="#/fine-tuning">Fine-tuning</a>.
          </p>
        ) : (
          <ModelTable models={data.models} canManage={canManage} act={act} base={base} />
        )}
      </Section>
    </div>
  );
}

function ModelTable({
  models,
  canManage,
  act,
  base,
}: {
  models: DeployedModel[];
  canManage: boolean;
  act: (work: () => Promise<unknown>) => Promise<void>;
  base: string;
}) {
  return (
    <TableWrap>
      <table data-testid="deployed-models">
        <thead>
          <tr>
            <th>Model</th>
            <th>Kind</th>
            <th>Trained</th>
            <th>Final loss</th>
            <th>Eval loss</th>
            <th>Accuracy (baseline)</th>
            <th>Deployed</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {models.map((model) => (
            <tr key={model.id}>
              <td>
                <a href={`#/fine-tuning/jobs/${model.id}`}>{model.name}</a>{' '}
                {model.active ? <Badge tone="good">active</Badge> : null}
              </td>
              <td>{model.slot ? slotName(model.slot) : model.kind}</td>
              <td>
                {model.job ? `${model.job.provider}, ${model.job.method} on ${model.job.baseModel}` : '—'}
              </td>
              <td>{formatNumber(model.job?.finalLoss, 4)}</td>
              <td>{formatNumber(model.job?.evalLoss, 4)}</td>
              <td>
                {model.job?.valAccuracy !== null && model.job?.valAccuracy !== undefined
                  ? `${(model.job.valAccuracy * 100).toFixed(1)}% (${((model.job.majorityBaseline ?? 0) * 100).toFixed(1)}%)`
                  : '—'}
              </td>
              <td>{model.registeredAt.slice(0, 16)}</td>
              <td>
                {canManage ? (
                  <div className="row">
                    {!model.active && model.slot ? (
                      <button
                        type="button"
                        onClick={() => void act(() => post(`${base}/models/${model.id}/activate`))}
                      >
                        Activate {model.name}
                      </button>
                    ) : null}
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => void act(() => post(`${base}/jobs/${model.id}/undeploy`))}
                    >
                      Undeploy {model.name}
                    </button>
                  </div>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
