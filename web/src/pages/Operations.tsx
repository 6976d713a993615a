// Operations: the cache hit rate over time (sampled while the page is open), error rates and recent errors,
// latency percentiles per route, queue depth and indexing lag, and the index per entity type.

import { useEffect, useMemo, useState } from 'react';
import { get } from '../api/client.ts';
import type { ErrorReport, IndexStats, Overview, Workspace } from '../api/types.ts';
import { LineChart } from '../components/Chart.tsx';
import { Badge, ErrorNote, formatNumber, Loading, Section, useAsync } from '../components/ui.tsx';

const SAMPLE_MS = 5000;
const MAX_SAMPLES = 120;
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

export function OperationsPage({ workspace }: { workspace: Workspace }) {
  const [samples, setSamples] = useState<{ t: number; hitRate: number; overview: Overview }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const errors = useAsync(() => get<ErrorReport>(`/api/monitoring/${workspace.id}/errors`), [workspace.id]);
  const index = useAsync(() => get<IndexStats>(`/api/vector/${workspace.id}/stats`), [workspace.id]);
  const started = useMemo(() => Date.now(), []);

  useEffect(() => {
    let stopped = false;
    const sample = () =>
      get<Overview>(`/api/monitoring/${workspace.id}/overview`).then(
        (overview) => {
          if (stopped) return;
          setError(null);
          setSamples((previous) =>
            [
              ...previous,
              { t: (Date.now() - started) / 1000, hitRate: overview.cache.hitRate * 100, overview },
            ].slice(-MAX_SAMPLES),
          );
        },
        (failure) => !stopped && setError(failure),
      );
    void sample();
    const timer = setInterval(sample, SAMPLE_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [workspace.id, started]);

  const latest = samples.at(-1)?.overview;
  const chart = useMemo(
    () => ({
      x: samples.map((s) => Math.round(s.t)),
      series: [{ label: 'hit rate %', color: '#16a34a', values: samples.map((s) => s.hitRate) }],
    }),
    [samples],
  );

  if (workspace.role !== 'owner' && workspace.role !== 'admin')
    return <p className="muted">Operations need the admin role in this workspace.</p>;

  return (
    <div className="stack">
      <ErrorNote error={error} />
      <Section
        title="Cache"
        actions={
          latest ? (
            <Badge tone={latest.cache.redisConnected ? 'good' : 'warn'}>
              {latest.cache.redisConnected ? 'Redis connected' : 'L1 only'}
            </Badge>
          ) : null
        }
      >
        {!latest ? <Loading /> : null}
        {latest ? (
          <dl className="facts" data-testid="cache-stats">
            <dt>Hit rate</dt>
            <dd>{percent(latest.cache.hitRate)}</dd>
            <dt>Hits / misses</dt>
            <dd>
              {formatNumber(latest.cache.hits)} / {formatNumber(latest.cache.misses)}
            </dd>
            <dt>In-process entries</dt>
            <dd>{formatNumber(latest.cache.l1Entries)}</dd>
            <dt>Redis breaker</dt>
            <dd>{latest.cache.breaker}</dd>
          </dl>
        ) : null}
        <LineChart
          x={chart.x}
          series={chart.series}
          xLabel="seconds on this page"
          height={180}
          label="Cache hit rate over time"
        />
      </Section>

      <Section
        title="Errors"
        actions={
          <button type="button" className="secondary" onClick={errors.reload}>
            Refresh
          </button>
        }
      >
        <ErrorNote error={errors.error} />
        {errors.data ? (
          <>
            <div className="tiles">
              {(['5m', '1h', '24h'] as const).map((window) => {
                const w = errors.data!.windows[window];
                return (
                  <div key={window} className="tile">
                    <span className="muted">last {window}</span>
                    <strong>{percent(w.errorRate)}</strong>
                    <span className="muted">
                      5xx of {formatNumber(w.requests)} requests; 4xx {percent(w.clientErrorRate)}
                    </span>
                  </div>
                );
              })}
            </div>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Route</th>
                    <th>Status</th>
                    <th>Code</th>
                    <th>Message</th>
                    <th>Request id</th>
                  </tr>
                </thead>
                <tbody>
                  {errors.data.recent.map((e) => (
                    <tr key={e.requestId}>
                      <td>{new Date(e.at).toLocaleTimeString()}</td>
                      <td>
                        {e.method} {e.route}
                      </td>
                      <td>{e.status}</td>
                      <td>{e.code}</td>
                      <td>{e.message}</td>
                      <td className="mono">{e.requestId}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <Loading />
        )}
      </Section>

      {latest ? (
        <Section title="Latency and queues">
          <div className="tiles">
            <div className="tile">
              <span className="muted">indexing lag</span>
              <strong>{latest.indexLag}</strong>
              <span className="muted">changes waiting</span>
            </div>
            {latest.queues.map((q) => (
              <div key={`${q.queue}:${q.state}`} className="tile">
                <span className="muted">
                  {q.queue} {q.state}
                </span>
                <strong>{q.jobs}</strong>
              </div>
            ))}
          </div>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Route</th>
                  <th>Requests</th>
                  <th>p50 ms</th>
                  <th>p99 ms</th>
                </tr>
              </thead>
              <tbody>
                {latest.latency.map((l) => (
                  <tr key={`${l.method} ${l.route}`}>
                    <td>
                      {l.method} {l.route}
                    </td>
                    <td>{formatNumber(l.count)}</td>
                    <td>{l.p50Ms}</td>
                    <td>{l.p99Ms}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
      ) : null}

      <Section title="Search index">
        <ErrorNote error={index.error} />
        {index.data ? (
          <>
            <p className="muted">
              {index.data.backend} backend, model {index.data.model}, {formatNumber(index.data.vectors)}{' '}
              vectors, {formatNumber(index.data.sizeBytes / 1024, 0)} KiB, last indexed{' '}
              {index.data.lastIndexedAt ? new Date(index.data.lastIndexedAt).toLocaleString() : 'never'}
              {index.data.needsReindex ? ' — needs a reindex (model changed)' : ''}
            </p>
            <div className="table-wrap">
              <table data-testid="index-stats">
                <thead>
                  <tr>
                    <th>Entity type</th>
                    <th>Records</th>
                    <th>Vectors</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(index.data.records).map(([type, count]) => (
                    <tr key={type}>
                      <td>{type}</td>
                      <td>{formatNumber(count)}</td>
                      <td>{formatNumber(index.data!.vectorsByType[type] ?? 0)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <Loading />
        )}
      </Section>
    </div>
  );
}
