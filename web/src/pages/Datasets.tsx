// Datasets: the list with quality scores, and one dataset's validation report (quality issues, provider
// checks, token statistics, label balance).

import { get } from '../api/client.ts';
import type { Dataset } from '../api/types.ts';
import { Badge, ErrorNote, formatNumber, Loading, Section, useAsync } from '../components/ui.tsx';

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
        <div className="table-wrap">
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
        </div>
      ) : null}
    </Section>
  );
}

export function DatasetDetail({ base, datasetId }: { base: string; datasetId: string }) {
  const dataset = useAsync(() => get<Dataset>(`${base}/datasets/${datasetId}`), [base, datasetId]);
  if (dataset.loading && !dataset.data) return <Loading />;
  if (dataset.error) return <ErrorNote error={dataset.error} />;
  const d = dataset.data!;
  return (
    <div className="stack">
      <p>
        <a href="#/fine-tuning">← Fine-tuning</a>
      </p>
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
