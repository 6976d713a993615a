// Settles indexed record changes (pending_record_changes) once the index holds them durably. One flush of
// the embedded engine rewrites a whole namespace, so it is shared by every change indexed in a short window.
import type { RecordsService } from '../crm/records/service.ts';
import type { Logger } from '../platform/logger.ts';
import type { VectorService } from './service.ts';

export class ChangeSettler {
  private tokens: string[] = [];
  private timer?: NodeJS.Timeout;
  private settling: Promise<void> = Promise.resolve();

  constructor(
    private readonly vectors: VectorService,
    private readonly records: RecordsService,
    private readonly log: Logger,
    private readonly delayMs = 500,
  ) {}

  /** Notes changes now in the index; they are settled after the next flush. */
  indexed(tokens: readonly (string | undefined)[]): void {
    for (const token of tokens) if (token) this.tokens.push(token);
    if (this.tokens.length === 0 || this.timer) return;
    this.timer = setTimeout(() => void this.settleNow(), this.delayMs);
  }

  /** Flushes the index, then settles every change it now holds durably. */
  settleNow(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.settling = this.settling.then(async () => {
      const tokens = this.tokens;
      if (tokens.length === 0) return;
      this.tokens = [];
      try {
        await this.vectors.flush();
        await this.records.settleChanges(tokens);
      } catch (error) {
        // Unsettled changes are replayed later; indexing a record twice changes nothing.
        this.log.error({ err: error, count: tokens.length }, 'settling indexed changes failed');
      }
    });
    return this.settling;
  }
}
