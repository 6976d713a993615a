// Where a request's time went: database, cache, embedding, vector search, model and provider calls add
// their durations to the request they run in (found through AsyncLocalStorage), so a slow request is logged
// with its breakdown. Outside a request, adding is a no-op.
import { AsyncLocalStorage } from 'node:async_hooks';

export type TimingKind = 'db' | 'cache' | 'embedding' | 'vectorSearch' | 'model' | 'provider';

export type Breakdown = Partial<Record<TimingKind, { ms: number; calls: number }>>;

const storage = new AsyncLocalStorage<Breakdown>();

/** Runs `fn`, and everything it starts, adding to `breakdown`. */
export function runWithTimings<T>(breakdown: Breakdown, fn: () => T): T {
  return storage.run(breakdown, fn);
}

export function addTiming(kind: TimingKind, ms: number): void {
  const breakdown = storage.getStore();
  if (!breakdown) return;
  const entry = breakdown[kind] ?? { ms: 0, calls: 0 };
  breakdown[kind] = entry;
  entry.ms += ms;
  entry.calls += 1;
}

/** Rounded to tenths of a millisecond, for the log line. */
export function roundedBreakdown(breakdown: Breakdown): Breakdown {
  const rounded: Breakdown = {};
  for (const [kind, entry] of Object.entries(breakdown) as [TimingKind, { ms: number; calls: number }][])
    rounded[kind] = { ms: Math.round(entry.ms * 10) / 10, calls: entry.calls };
  return rounded;
}
