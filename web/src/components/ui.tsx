// Small building blocks shared by the pages: loading and error states, a data-loading hook, badges.
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client.ts';

export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const run = useCallback(
    () => {
      setState((previous) => ({ ...previous, loading: true }));
      load().then(
        (data) => setState({ data, loading: false }),
        (error) => setState({ error, loading: false }),
      );
    },
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what the loader depends on
    deps,
  );
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error" role="alert">
      {error instanceof ApiError ? <strong>{error.code}: </strong> : null}
      {message}
      {error instanceof ApiError && error.requestId ? (
        <span className="muted"> (request {error.requestId})</span>
      ) : null}
      {error instanceof ApiError && error.fields.length > 0 ? (
        <ul>
          {error.fields.map((field) => (
            <li key={`${field.path}:${field.message}`}>
              <strong>{field.path || 'input'}</strong>: {field.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'good' | 'bad' | 'warn' | 'info';
  children: ReactNode;
}) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

const STATUS_TONES: Record<string, 'good' | 'bad' | 'warn' | 'info' | 'neutral'> = {
  succeeded: 'good',
  deployed: 'good',
  failed: 'bad',
  cancelled: 'warn',
  running: 'info',
  validating: 'info',
  queued: 'neutral',
  created: 'neutral',
  training: 'info',
  idle: 'good',
  offline: 'bad',
  revoked: 'warn',
  'never-connected': 'neutral',
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONES[status] ?? 'neutral'}>{status}</Badge>;
}

export function SimulatedBadge() {
  return (
    <Badge tone="warn">
      <span title="No model was trained: the simulator stands in for a GPU run">simulated</span>
    </Badge>
  );
}

export function Section({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="card">
      <header className="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** Loads a section again (what others changed since it loaded). */
export function RefreshButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" className="secondary" onClick={onClick}>
      Refresh
    </button>
  );
}

/**
 * A table that may be wider than the screen: it scrolls sideways inside its box, and the box takes the
 * keyboard focus so that people without a mouse can scroll it too.
 */
export function TableWrap({ children, label = 'table' }: { children: ReactNode; label?: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
    <section className="table-wrap" aria-label={`${label} (scrolls sideways)`} tabIndex={0}>
      {children}
    </section>
  );
}

export const formatNumber = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined
    ? '—'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits });

/** A duration in hours as people read it: minutes under an hour, "< 1 min" for tiny runs. */
export function formatHours(hours: number): string {
  if (hours < 1 / 60) return '< 1 min';
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  return `${hours.toFixed(1)} h`;
}

/** Dollars with cents, and "< $0.01" rather than "$0" for tiny amounts. */
export function formatUsd(value: number): string {
  if (value > 0 && value < 0.01) return '< $0.01';
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/**
 * A person's action on a page: clears the last error, keeps the new one, and refreshes what the action changed
 * once it succeeds.
 */
export function useAction(afterwards: () => void) {
  const [error, setError] = useState<unknown>(null);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      afterwards();
    } catch (failure) {
      setError(failure);
    }
  };
  return { act, error };
}
