// Operations: hit rate, error rate, latency and queue depth over the last 24 hours (from samples every
// instance stores, so the history does not depend on this page being open), the cache now, error rates and
// recent errors, latency percentiles per route, queue depth and indexing lag, and the index per entity type.

import { useEffect, useMemo, useState } from 'react';
import { get } from '../api/client.ts';
import type { ErrorReport, IndexStats, OperationsHistory, Overview, Workspace } from '../api/types.ts';
import { LineChart } from '../components/Chart.tsx';
import {
  Badge,
  ErrorNote,
  formatNumber,
  Loading,
  RefreshButton,
  Section,
  TableWrap,
  useAsync,
} from '../components/ui.tsx';

const REFRESH_MS = 5000;
const HISTORY_REFRESH_MS = 60_000;
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** Reloads `load` every `everyMs` while the page is open; keeps the last good value through a failed load. */
function usePolled<T>(load: () => Promise<T>, everyMs: number, key: string) {
  const [value, setValue] = useState<T | undefined>();
  const [error, setError] = useState<unknown>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what the loader reads
  useEffect(() => {
    let stopped = false;
    const poll = () =>
      load().then(
        (loaded) => {
          if (stopped) return;
          setError(null);
          setValue(loaded);
        },
        (failure) => !stopped && setError(failure),
      );
    void poll();
    const timer = setInterval(poll, everyMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [key, everyMs]);
  return { value, error };
}

export function OperationsPage({ workspace }: { workspace: Workspace }) {
  const errors = useAsync(() => get<ErrorReport>(`/api/monitoring/${workspace.id}/errors`), [workspace.id]);
  const index = useAsync(() => get<IndexStats>(`/api/vector/${workspace.id}/stats`), [workspace.id]);
  const overview = usePolled(
    () => get<Overview>(`/api/monitoring/${workspace.id}/overview`),
    REFRESH_MS,
    workspace.id,
  );
  const history = usePolled(
    () => get<OperationsHistory>(`/api/monitoring/${workspace.id}/history?hours=24`),
    HISTORY_REFRESH_MS,
    workspace.id,
  );
  const latest = overview.value;
  const error = overview.error ?? history.error;

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
      </Section>

      <HistoryCharts history={history.value} />

      <Section title="Errors" actions={<RefreshButton onClick={errors.reload} />}>
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
            <TableWrap>
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
            </TableWrap>
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
          <TableWrap>
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
          </TableWrap>
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
            <TableWrap>
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
            </TableWrap>
          </>
        ) : (
          <Loading />
        )}
      </Section>
    </div>
  );
}

const HISTORY_SERIES = [
  { key: 'hitRate', label: 'cache hit rate %', color: '#16a34a', scale: 100 },
  { key: 'errorRate', label: 'error rate % (5xx)', color: '#dc2626', scale: 100 },
  { key: 'p99Ms', label: 'latency p99 ms', color: '#2563eb', scale: 1 },
  { key: 'queueDepth', label: 'jobs waiting', color: '#9333ea', scale: 1 },
] as const;

function HistoryCharts({ history }: { history: OperationsHistory | undefined }) {
  const charts = useMemo(() => {
    if (!history) return null;
    const now = Date.now();
    const x = history.points.map((p) => Number(((Date.parse(p.at) - now) / 3_600_000).toFixed(3)));
    return HISTORY_SERIES.map((series) => ({
      ...series,
      x,
      values: history.points.map((p) => {
        const value = p[series.key];
        return value === null ? null : Number((value * series.scale).toFixed(2));
      }),
    }));
  }, [history]);
  return (
    <Section title="Last 24 hours">
      {!charts ? <Loading what="Loading the history" /> : null}
      {charts && history!.points.length === 0 ? (
        <p className="muted">
          No samples yet: every instance stores one each {Math.round(history!.sampleMs / 1000)} s.
        </p>
      ) : null}
      {charts && history!.points.length > 0 ? (
        <div className="chart-grid" data-testid="operations-history" data-points={history!.points.length}>
          {charts.map((chart) => (
            <figure key={chart.key}>
              <figcaption>{chart.label}</figcaption>
              <LineChart
                x={chart.x}
                series={[{ label: chart.label, color: chart.color, values: chart.values }]}
                xLabel="hours ago"
                height={140}
                label={`${chart.label} over the last 24 hours`}
              />
            </figure>
          ))}
        </div>
      ) : null}
    </Section>
  );
}
