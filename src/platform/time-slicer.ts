// Long CPU work on the event loop in slices: the work calls `maybeYield()` between items, and once a slice
// has run `sliceMs` it waits one turn of the loop (setImmediate), so other requests are served in between.
// Measured (bench/stalls.ts): a 9 MB dataset upload held the loop 6.9 s in one piece before this.
import { setImmediate as nextTurn } from 'node:timers/promises';

export class TimeSlicer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = 10) {}

  async maybeYield(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await nextTurn();
    this.sliceStart = performance.now();
  }
}
