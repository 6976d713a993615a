// Small statistics the benchmarks share.

/** The q-quantile of an ascending array (nearest rank), rounded. */
export function percentile(sorted: readonly number[], q: number, digits = 2): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(digits));
}
