// Error rates and recent errors per workspace, for the whole cluster: each instance counts its requests per
// workspace and minute in memory and adds them to the shared table every few seconds; error responses are
// stored as events (code, route, message, request id — never bodies, tokens or record contents). Rows older
// than a day are pruned.
import { randomUUID } from 'node:crypto';
import { type Insertable, type Kysely, sql } from 'kysely';
import type { Logger } from '../logger.ts';

export interface RequestOutcome {
  workspaceId: string | null;
  method: string;
  route: string;
  status: number;
  code?: string;
  message?: string;
  requestId: string;
}

interface Bucket {
  workspaceId: string;
  minute: string;
  requests: number;
  clientErrors: number;
  serverErrors: number;
}

export interface ErrorWindow {
  requests: number;
  clientErrors: number;
  serverErrors: number;
  /** Share of requests answered with a 5xx. */
  errorRate: number;
  /** Share answered with a 4xx (refused input, missing records, auth). */
  clientErrorRate: number;
}

const WINDOWS = { '5m': 5 * 60_000, '1h': 3_600_000, '24h': 86_400_000 } as const;
const PRUNE_EVERY_MS = 10 * 60_000;
const MAX_MESSAGE = 300;
const EVENT_INSERT_CHUNK = 500;
/**
 * Events kept between two flushes: in an incident every request may fail, and the recent-errors view needs
 * examples, not millions of copies (the per-minute counts still count every error).
 */
const MAX_EVENTS_PER_FLUSH = 20_000;

export class ErrorMonitor {
  private buckets = new Map<string, Bucket>();
  private events: Insertable<MonitoringTables['errorEvents']>[] = [];
  private droppedEvents = 0;
  private readonly timer: NodeJS.Timeout;
  private lastPrune = 0;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<MonitoringTables>,
    private readonly log: Logger,
    flushMs = 5000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  record(outcome: RequestOutcome): void {
    const now = Date.now();
    const minute = new Date(now - (now % 60_000)).toISOString();
    const workspaceId = outcome.workspaceId ?? '';
    const key = `${workspaceId}\u0000${minute}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { workspaceId, minute, requests: 0, clientErrors: 0, serverErrors: 0 };
      this.buckets.set(key, bucket);
    }
    bucket.requests++;
    if (outcome.status < 400) return;
    if (outcome.status >= 500) bucket.serverErrors++;
    else bucket.clientErrors++;
    if (this.events.length >= MAX_EVENTS_PER_FLUSH) {
      this.droppedEvents++;
      return;
    }
    this.events.push({
      id: randomUUID(),
      workspaceId: outcome.workspaceId,
      at: new Date(now).toISOString(),
      method: outcome.method,
      route: outcome.route,
      status: outcome.status,
      code: outcome.code ?? `HTTP_${outcome.status}`,
      message: (outcome.message ?? '').slice(0, MAX_MESSAGE),
      requestId: outcome.requestId,
    });
  }

  /** Adds what this instance counted to the shared tables. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.write())
      .catch((error) => {
        this.log.warn({ err: error }, 'could not store request monitoring counts');
      });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const buckets = [...this.buckets.values()];
    const events = this.events;
    this.buckets = new Map();
    this.events = [];
    if (buckets.length > 0) {
      await this.db
        .insertInto('requestMinutes')
        .values(buckets)
        .onConflict((oc) =>
          oc.columns(['workspaceId', 'minute']).doUpdateSet({
            requests: sql`request_minutes.requests + excluded.requests`,
            clientErrors: sql`request_minutes.client_errors + excluded.client_errors`,
            serverErrors: sql`request_minutes.server_errors + excluded.server_errors`,
          }),
        )
        .execute();
    }
    // Chunked: one statement for an incident's thousands of events passed SQLite's 32,766 bound variables
    // (about 3,640 events) and the whole batch was lost.
    for (let start = 0; start < events.length; start += EVENT_INSERT_CHUNK) {
      await this.db
        .insertInto('errorEvents')
        .values(events.slice(start, start + EVENT_INSERT_CHUNK))
        .execute();
    }
    if (this.droppedEvents > 0) {
      this.log.warn(
        { dropped: this.droppedEvents, kept: MAX_EVENTS_PER_FLUSH },
        'more error events than one flush keeps; the rates still count every one',
      );
      this.droppedEvents = 0;
    }
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      const dayAgo = new Date(Date.now() - WINDOWS['24h'] - 60_000).toISOString();
      await this.db.deleteFrom('requestMinutes').where('minute', '<', dayAgo).execute();
      await this.db.deleteFrom('errorEvents').where('at', '<', dayAgo).execute();
    }
  }

  /** Rates over 5 minutes, an hour and a day, and the latest errors: one workspace's, or (null) everyone's. */
  async report(workspaceId: string | null, recentLimit = 50) {
    await this.flush();
    const now = Date.now();
    const since = new Date(now - WINDOWS['24h']).toISOString();
    let minutes = this.db
      .selectFrom('requestMinutes')
      .select(['minute', 'requests', 'clientErrors', 'serverErrors'])
      .where('minute', '>=', since);
    if (workspaceId !== null) minutes = minutes.where('workspaceId', '=', workspaceId);
    const rows = await minutes.execute();
    const windows = {} as Record<keyof typeof WINDOWS, ErrorWindow>;
    for (const [name, span] of Object.entries(WINDOWS) as [keyof typeof WINDOWS, number][]) {
      const from = now - span;
      const totals = { requests: 0, clientErrors: 0, serverErrors: 0 };
      for (const row of rows) {
        // A minute counts when it ends inside the window.
        if (new Date(row.minute).getTime() + 60_000 <= from) continue;
        totals.requests += Number(row.requests);
        totals.clientErrors += Number(row.clientErrors);
        totals.serverErrors += Number(row.serverErrors);
      }
      const share = (count: number) => (totals.requests ? Number((count / totals.requests).toFixed(4)) : 0);
      windows[name] = {
        ...totals,
        errorRate: share(totals.serverErrors),
        clientErrorRate: share(totals.clientErrors),
      };
    }
    let recent = this.db
      .selectFrom('errorEvents')
      .select(['at', 'workspaceId', 'method', 'route', 'status', 'code', 'message', 'requestId'])
      .where('at', '>=', since);
    if (workspaceId !== null) recent = recent.where('workspaceId', '=', workspaceId);
    const errors = await recent.orderBy('at', 'desc').limit(recentLimit).execute();
    return {
      windows,
      recent: errors.map((row) => ({
        ...row,
        at: new Date(row.at).toISOString(),
        status: Number(row.status),
      })),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

import type { MonitoringTables } from './tables.ts';
