// Datasets: the list with quality scores, and one dataset's page: its validation report (quality issues,
// provider checks, token statistics, label balance), examples, the jobs that use it, and rename, export and
// delete.

import { useState } from 'react';
import { api, download, get } from '../api/client.ts';
import type { Dataset } from '../api/types.ts';
import {
  Badge,
  ErrorNote,
  formatNumber,
  Loading,
  Section,
  StatusBadge,
  TableWrap,
  useAction,
  useAsync,
} from '../components/ui.tsx';

const EXPORT_PROVIDERS = ['together', 'openai', 'replicate', 'self-hosted', 'local'] as const;

const scoreTone = (score: number) => (score >= 80 ? 'good' : score >= 50 ? 'warn' : 'bad');

export function DatasetList({ base }: { base: string }) {
  const datasets = useAsync(() => get<{ datasets: Dataset[] }>(`${base}/datasets`), [base]);
  return (
    <Section title="Datasets">
      {datasets.loading && !datasets.data ? <Loading /> : null}
      <ErrorNote error={datasets.error} />
      {datasets.data?.datasets.length === 0 ? (
        <p className="muted">No datasets yet: the wizard builds one.</p>
      ) : null}
      {datasets.data && datasets.data.datasets.length > 0 ? (
        <TableWrap>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Examples</th>
                <th>Tokens</th>
                <th>Quality</th>
              </tr>
            </thead>
            <tbody>
              {datasets.data.datasets.map((d) => (
                <tr key={d.id}>
                  <td>
                    <a href={`#/fine-tuning/datasets/${d.id}`}>{d.name}</a>
                  </td>
                  <td>{d.type}</td>
                  <td>{formatNumber(d.exampleCount)}</td>
                  <td>{formatNumber(d.tokenCount)}</td>
                  <td>
                    <Badge tone={scoreTone(d.quality.score)}>{d.quality.score}/100</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
    </Section>
  );
}

export function DatasetDetail({
  base,
  datasetId,
  canManage,
}: {
  base: string;
  datasetId: string;
  canManage: boolean;
}) {
  const dataset = useAsync(() => get<Dataset>(`${base}/datasets/${datasetId}`), [base, datasetId]);
  if (dataset.loading && !dataset.data) return <Loading />;
  if (dataset.error) return <ErrorNote error={dataset.error} />;
  const d = dataset.data!;
  return (
    <div className="stack">
      <p>
        <a href="#/fine-tuning">← Fine-tuning</a>
      </p>
      <DatasetActions base={base} dataset={d} canManage={canManage} onChange={dataset.reload} />
      <Section
        title={d.name}
        actions={<Badge tone={scoreTone(d.quality.score)}>quality {d.quality.score}/100</Badge>}
      >
        <dl className="facts">
          <dt>Type</dt>
          <dd>{d.type}</dd>
          <dt>Source</dt>
          <dd>{d.source}</dd>
          <dt>Tokenizer of</dt>
          <dd>{d.baseModel}</dd>
          <dt>Examples</dt>
          <dd>
            {formatNumber(d.exampleCount)} ({formatNumber(d.trainCount)} train,{' '}
            {formatNumber(d.validationCount)} validation)
          </dd>
          <dt>Tokens</dt>
          <dd>
            {formatNumber(d.quality.tokens.total)} total, mean {formatNumber(d.quality.tokens.mean, 1)}, p95{' '}
            {formatNumber(d.quality.tokens.p95)}, max {formatNumber(d.quality.tokens.max)}
          </dd>
          {d.quality.labels ? (
            <>
              <dt>Labels</dt>
              <dd>
                {Object.entries(d.quality.labels)
                  .map(([label, count]) => `${label}: ${count}`)
                  .join(', ')}
              </dd>
            </>
          ) : null}
        </dl>
      </Section>
      <Section title="Quality issues">
        {d.quality.issues.length === 0 ? <p className="muted">None found.</p> : null}
        <ul>
          {d.quality.issues.map((issue) => (
            <li key={issue.code}>
              <strong>{issue.code}</strong> ({issue.count}): {issue.message}
              {issue.examples.length ? (
                <span className="muted"> — examples {issue.examples.join(', ')}</span>
              ) : null}
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Examples">
        {!d.sample?.length ? <p className="muted">No examples.</p> : null}
        <ol className="examples" data-testid="dataset-sample">
          {d.sample?.map((item) => (
            <li key={item.position}>
              <span className="muted">
                #{item.position + 1}, {item.split}, {item.tokens} tokens
              </span>
              <pre>{JSON.stringify(item.example, null, 2)}</pre>
            </li>
          ))}
        </ol>
      </Section>
      <Section title="Used by">
        {!d.usedBy?.length ? <p className="muted">No job has trained on it.</p> : null}
        <ul data-testid="dataset-used-by">
          {d.usedBy?.map((job) => (
            <li key={job.jobId}>
              <a href={`#/fine-tuning/jobs/${job.jobId}`}>{job.name}</a> <StatusBadge status={job.status} />{' '}
              <span className="muted">{job.createdAt.slice(0, 16)}</span>
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Provider checks">
        <ul>
          {d.providerChecks.map((check) => (
            <li key={check.provider}>
              <Badge tone={check.valid ? 'good' : 'bad'}>{check.valid ? 'valid' : 'rejected'}</Badge>{' '}
              {check.provider} ({check.format}){check.errors.length ? `: ${check.errors.join('; ')}` : ''}
            </li>
          ))}
        </ul>
      </Section>
    </div>
  );
}

function DatasetActions({
  base,
  dataset,
  canManage,
  onChange,
}: {
  base: string;
  dataset: Dataset;
  canManage: boolean;
  onChange: () => void;
}) {
  const [name, setName] = useState(dataset.name);
  const [provider, setProvider] = useState<(typeof EXPORT_PROVIDERS)[number]>('together');
  const [confirming, setConfirming] = useState(false);
  const rename = useAction(onChange);
  const remove = useAction(() => {
    window.location.hash = '#/fine-tuning';
  });
  const exporting = useAction(() => {});
  const path = `${base}/datasets/${dataset.id}`;
  return (
    <Section title="Manage">
      <div className="grid">
        {canManage ? (
          <form
            className="row"
            onSubmit={(event) => {
              event.preventDefault();
              void rename.act(() => api('PUT', path, { name }));
            }}
          >
            <label>
              Name
              <input name="datasetName" value={name} onChange={(event) => setName(event.target.value)} />
            </label>
            <button type="submit" disabled={!name.trim() || name === dataset.name}>
              Rename
            </button>
          </form>
        ) : null}
        <div className="row">
          <label>
            Export for
            <select
              value={provider}
              onChange={(event) => setProvider(event.target.value as (typeof EXPORT_PROVIDERS)[number])}
            >
              {EXPORT_PROVIDERS.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void exporting.act(() =>
                download(`${path}/export?provider=${provider}`, `${dataset.name}-${provider}.jsonl`),
              )
            }
          >
            Export JSONL
          </button>
        </div>
        {canManage ? (
          <div className="row">
            {confirming ? (
              <>
                <span>Delete “{dataset.name}” for good?</span>
                <button type="button" onClick={() => void remove.act(() => api('DELETE', path))}>
                  Yes, delete
                </button>
                <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" className="secondary" onClick={() => setConfirming(true)}>
                Delete dataset
              </button>
            )}
          </div>
        ) : null}
      </div>
      <ErrorNote error={rename.error ?? remove.error ?? exporting.error} />
    </Section>
  );
}
