// Fine-tuning: jobs with their status, a job page with a live loss chart fed by the job's event stream, a
// creation wizard (model → method → dataset → hyperparameters → estimate → confirm), the models comparison
// and the datasets with their quality reports. Simulated jobs are marked wherever they appear.

import { useEffect, useMemo, useState } from 'react';
import { get, post, streamEvents } from '../api/client.ts';
import type { Job, Metric, Workspace } from '../api/types.ts';
import { LineChart } from '../components/Chart.tsx';
import {
  Badge,
  ErrorNote,
  formatHours,
  formatNumber,
  formatUsd,
  Loading,
  Section,
  SimulatedBadge,
  StatusBadge,
  TableWrap,
  useAsync,
} from '../components/ui.tsx';
import { DatasetDetail, DatasetList } from './Datasets.tsx';
import { TERMINAL } from './finetune-constants.ts';
import { JobWizard } from './JobWizard.tsx';
import { TrainerSection } from './Trainers.tsx';

export function FineTuningPage({ workspace, route }: { workspace: Workspace; route: string[] }) {
  const base = `/api/ai/fine-tuning/${workspace.id}`;
  if (route[0] === 'new') return <JobWizard workspace={workspace} />;
  if (route[0] === 'jobs' && route[1]) return <JobPage base={base} jobId={route[1]} workspace={workspace} />;
  if (route[0] === 'datasets' && route[1])
    return (
      <DatasetDetail
        base={base}
        datasetId={route[1]}
        canManage={workspace.role === 'admin' || workspace.role === 'owner'}
      />
    );
  return <Overview base={base} workspace={workspace} />;
}

function Overview({ base, workspace }: { base: string; workspace: Workspace }) {
  const jobs = useAsync(() => get<{ jobs: Job[] }>(`${base}/jobs`), [base]);
  useEffect(() => {
    // Running jobs move: refresh the list while any is unfinished.
    if (!jobs.data?.jobs.some((job) => !TERMINAL.includes(job.status))) return;
    const timer = setInterval(jobs.reload, 2000);
    return () => clearInterval(timer);
  }, [jobs.data, jobs.reload]);
  const canTrain = workspace.role === 'owner' || workspace.role === 'admin';
  return (
    <div className="stack">
      <Section
        title="Training jobs"
        actions={
          canTrain ? (
            <a className="button" href="#/fine-tuning/new">
              New job
            </a>
          ) : (
            <span className="muted">Training needs the admin role</span>
          )
        }
      >
        {jobs.loading && !jobs.data ? <Loading /> : null}
        <ErrorNote error={jobs.error} />
        {jobs.data && jobs.data.jobs.length === 0 ? <p className="muted">No jobs yet.</p> : null}
        {jobs.data && jobs.data.jobs.length > 0 ? <JobTable jobs={jobs.data.jobs} /> : null}
      </Section>
      {jobs.data ? <ModelsComparison jobs={jobs.data.jobs} /> : null}
      <DatasetList base={base} />
      <TrainerSection base={base} workspace={workspace} />
    </div>
  );
}

function JobTable({ jobs }: { jobs: Job[] }) {
  return (
    <TableWrap>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Model</th>
            <th>Method</th>
            <th>Provider</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Deployment</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id}>
              <td>
                <a href={`#/fine-tuning/jobs/${job.id}`}>{job.name}</a>{' '}
                {job.simulated ? <SimulatedBadge /> : null}
              </td>
              <td>{job.baseModel}</td>
              <td>{job.method}</td>
              <td>{job.provider}</td>
              <td>
                <StatusBadge status={job.status} />
              </td>
              <td>
                <progress max={1} value={job.progress} aria-label={`${job.name} progress`} />{' '}
                {Math.round(job.progress * 100)}%
              </td>
              <td>{job.deployStatus === 'not_deployed' ? '—' : <StatusBadge status={job.deployStatus} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function ModelsComparison({ jobs }: { jobs: Job[] }) {
  const finished = jobs.filter((job) => job.status === 'succeeded');
  if (finished.length === 0) return null;
  return (
    <Section title="Models comparison">
      <TableWrap>
        <table>
          <thead>
            <tr>
              <th>Job</th>
              <th>Base model</th>
              <th>Method</th>
              <th>Provider</th>
              <th>Final loss</th>
              <th>Eval loss</th>
              <th>Val. accuracy</th>
              <th>Cost</th>
              <th>Deployed</th>
            </tr>
          </thead>
          <tbody>
            {finished.map((job) => {
              const result = job.result ?? {};
              return (
                <tr key={job.id}>
                  <td>
                    <a href={`#/fine-tuning/jobs/${job.id}`}>{job.name}</a>{' '}
                    {job.simulated ? <SimulatedBadge /> : null}
                  </td>
                  <td>{job.baseModel}</td>
                  <td>{job.method}</td>
                  <td>{job.provider}</td>
                  <td>{formatNumber(result.finalLoss as number, 4)}</td>
                  <td>{formatNumber(result.evalLoss as number, 4)}</td>
                  <td>
                    {result.valAccuracy === undefined
                      ? '—'
                      : `${formatNumber((result.valAccuracy as number) * 100, 1)}%`}
                  </td>
                  <td>
                    {(result.costUsd as number | undefined) !== undefined || job.estimate
                      ? formatUsd((result.costUsd as number | undefined) ?? job.estimate!.costUsd.expected)
                      : '—'}
                  </td>
                  <td>{job.deployStatus === 'deployed' ? <Badge tone="good">yes</Badge> : 'no'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
    </Section>
  );
}

function JobPage({ base, jobId, workspace }: { base: string; jobId: string; workspace: Workspace }) {
  const [job, setJob] = useState<Job | null>(null);
  const [metrics, setMetrics] = useState<Metric[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [acting, setActing] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    setMetrics([]);
    get<Job>(`${base}/jobs/${jobId}`).then(setJob, setError);
    // The stream sends every metric so far, then each new one, and the job whenever it changes.
    streamEvents(
      `${base}/jobs/${jobId}/events`,
      (event, data) => {
        if (event === 'metric') setMetrics((previous) => [...previous, data as Metric]);
        if (event === 'job') setJob(data as Job);
      },
      controller.signal,
    ).catch((failure) => {
      if (!controller.signal.aborted) setError(failure);
    });
    return () => controller.abort();
  }, [base, jobId]);

  const chart = useMemo(() => {
    const withLoss = metrics.filter((m) => m.loss !== null || m.evalLoss !== null);
    return {
      x: withLoss.map((m) => m.step),
      series: [
        { label: 'loss', color: '#2563eb', values: withLoss.map((m) => m.loss) },
        { label: 'eval loss', color: '#dc2626', values: withLoss.map((m) => m.evalLoss) },
      ],
    };
  }, [metrics]);

  const act = async (action: 'cancel' | 'deploy') => {
    setActing(true);
    setError(null);
    try {
      setJob(await post<Job>(`${base}/jobs/${jobId}/${action}`));
    } catch (failure) {
      setError(failure);
    } finally {
      setActing(false);
    }
  };

  if (!job) return error ? <ErrorNote error={error} /> : <Loading what="Loading the job" />;
  const canAct = workspace.role === 'owner' || workspace.role === 'admin';
  const last = metrics.at(-1);
  return (
    <div className="stack">
      <p>
        <a href="#/fine-tuning">← All jobs</a>
      </p>
      <Section
        title={job.name}
        actions={
          <div className="row">
            {job.simulated ? <SimulatedBadge /> : null}
            <StatusBadge status={job.status} />
            {canAct && !TERMINAL.includes(job.status) ? (
              <button type="button" className="secondary" disabled={acting} onClick={() => act('cancel')}>
                Cancel
              </button>
            ) : null}
            {canAct && job.status === 'succeeded' && job.deployStatus !== 'deployed' ? (
              <button type="button" disabled={acting} onClick={() => act('deploy')}>
                Deploy
              </button>
            ) : null}
          </div>
        }
      >
        <ErrorNote error={error} />
        {job.simulated ? (
          <p className="note warn">
            Simulated: the simulator stands in for a GPU run; no model is trained or served.
          </p>
        ) : null}
        <dl className="facts">
          <dt>Model</dt>
          <dd>{job.baseModel}</dd>
          <dt>Method</dt>
          <dd>{job.method}</dd>
          <dt>Provider</dt>
          <dd>{job.provider}</dd>
          <dt>Step</dt>
          <dd>
            {job.step} / {job.totalSteps || '?'}
          </dd>
          <dt>Latest loss</dt>
          <dd>{formatNumber(last?.loss, 4)}</dd>
          {typeof job.result?.valAccuracy === 'number' ? (
            <>
              <dt>Held-out accuracy</dt>
              <dd data-testid="job-accuracy">
                {formatNumber(job.result.valAccuracy * 100, 1)}% against a{' '}
                {formatNumber(Number(job.result.majorityBaseline ?? 0) * 100, 1)}% baseline (always the
                commonest label), on {formatNumber(Number(job.result.validationExamples ?? 0))} validation
                examples
              </dd>
            </>
          ) : null}
          {last?.tokensPerSec ? (
            <>
              <dt>Throughput</dt>
              <dd data-testid="throughput">{formatNumber(last.tokensPerSec)} tokens/s</dd>
            </>
          ) : null}
          {last?.gpuMemoryGib ? (
            <>
              <dt>Peak GPU memory</dt>
              <dd>{formatNumber(last.gpuMemoryGib, 1)} GiB</dd>
            </>
          ) : null}
          <dt>Estimate</dt>
          <dd>
            {job.estimate
              ? `${formatHours(job.estimate.hours.expected)}, ${formatUsd(job.estimate.costUsd.expected)}`
              : '—'}
          </dd>
          <dt>Deployment</dt>
          <dd>
            {job.deployStatus}
            {job.deployment?.model ? ` (${String(job.deployment.model)})` : ''}
          </dd>
        </dl>
        <progress className="wide" max={1} value={job.progress} aria-label="Progress" />
        {job.error ? <div className="error">{job.error}</div> : null}
      </Section>
      <Section title="Training loss">
        {chart.x.length === 0 ? <p className="muted">Waiting for the first training step…</p> : null}
        <LineChart
          x={chart.x}
          series={chart.series}
          xLabel="step"
          label="Training and evaluation loss by step"
        />
        <p className="muted" data-testid="metric-count">
          {metrics.length} points
        </p>
      </Section>
    </div>
  );
}
