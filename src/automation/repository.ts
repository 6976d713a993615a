// SQL on the automation tables: rules, runs (one per rule and trigger event: a second insert of the same event
// is refused by the unique key, which is what makes a rule act once per event), deliveries and score sides.
import type { Kysely, Selectable } from 'kysely';
import { readJson, writeJson } from '../platform/db/json-column.ts';
import type { RuleDefinition } from './rule.ts';
import type { AutomationTables } from './tables.ts';

export type RunStatus =
  | 'queued'
  | 'running'
  | 'pending_approval'
  | 'approved'
  | 'succeeded'
  | 'failed'
  | 'rejected';

export interface Rule {
  id: string;
  workspaceId: string;
  name: string;
  enabled: boolean;
  definition: RuleDefinition;
  consecutiveFailures: number;
  disabledReason: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PlannedAction {
  type: string;
  /** The action with its templates filled. */
  detail: Record<string, unknown>;
  status: 'planned' | 'done' | 'skipped' | 'failed';
  result?: unknown;
  reason?: string;
}

export interface Run {
  id: string;
  workspaceId: string;
  ruleId: string;
  eventKey: string;
  trigger: { kind: string; entityType: string; entityId: string; [key: string]: unknown };
  status: RunStatus;
  answers: Record<string, unknown> | null;
  actions: PlannedAction[] | null;
  error: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** One webhook delivery attempt, as stored (its row has no JSON column to read). */
export type DeliveryLog = AutomationTables['automationDeliveries'];

export class AutomationRepository {
  constructor(private readonly db: Kysely<AutomationTables>) {}

  async insertRule(rule: Rule, webhookSecret: string): Promise<void> {
    await this.db
      .insertInto('automationRules')
      .values({
        ...rule,
        enabled: rule.enabled ? 1 : 0,
        definition: writeJson(rule.definition),
        webhookSecret,
      })
      .execute();
  }

  async rules(workspaceId: string): Promise<Rule[]> {
    const rows = await this.db
      .selectFrom('automationRules')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .orderBy('createdAt')
      .execute();
    return rows.map(ruleOf);
  }

  /** Enabled rules of every workspace (the schedule looks at all of them). */
  async enabledRules(): Promise<Rule[]> {
    const rows = await this.db.selectFrom('automationRules').selectAll().where('enabled', '=', 1).execute();
    return rows.map(ruleOf);
  }

  async rule(workspaceId: string, id: string): Promise<Rule | undefined> {
    const row = await this.db
      .selectFrom('automationRules')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && ruleOf(row);
  }

  async secret(ruleId: string): Promise<string> {
    const row = await this.db
      .selectFrom('automationRules')
      .select('webhookSecret')
      .where('id', '=', ruleId)
      .executeTakeFirstOrThrow();
    return row.webhookSecret;
  }

  async updateRule(id: string, patch: Partial<Rule>): Promise<void> {
    const { definition, enabled, ...rest } = patch;
    await this.db
      .updateTable('automationRules')
      .set({
        ...rest,
        ...(definition ? { definition: writeJson(definition) } : {}),
        ...(enabled === undefined ? {} : { enabled: enabled ? 1 : 0 }),
        updatedAt: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Counts a failed run against the rule in one statement (runs fail concurrently); returns the new count. */
  async recordFailure(id: string): Promise<number> {
    await this.db
      .updateTable('automationRules')
      .set((eb) => ({ consecutiveFailures: eb('consecutiveFailures', '+', 1) }))
      .where('id', '=', id)
      .execute();
    const row = await this.db
      .selectFrom('automationRules')
      .select('consecutiveFailures')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(row.consecutiveFailures);
  }

  async deleteRule(workspaceId: string, id: string): Promise<void> {
    await this.db
      .deleteFrom('automationRules')
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .execute();
  }

  /** Stores a new run; false when this rule already has a run for this event. */
  async insertRun(run: Run): Promise<boolean> {
    const result = await this.db
      .insertInto('automationRuns')
      .values({
        ...run,
        trigger: writeJson(run.trigger),
        answers: writeJson(run.answers),
        actions: writeJson(run.actions),
      })
      .onConflict((oc) => oc.columns(['ruleId', 'eventKey']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async run(id: string): Promise<Run | undefined> {
    const row = await this.db
      .selectFrom('automationRuns')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && runOf(row);
  }

  async updateRun(id: string, patch: Partial<Run>): Promise<void> {
    const { trigger: _trigger, answers, actions, ...rest } = patch;
    await this.db
      .updateTable('automationRuns')
      .set({
        ...rest,
        ...('answers' in patch ? { answers: writeJson(answers) } : {}),
        ...('actions' in patch ? { actions: writeJson(actions) } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Moves a run from one status to another; false when another worker moved it first. */
  async transition(id: string, from: readonly RunStatus[], to: RunStatus, patch: Partial<Run> = {}) {
    const { trigger: _trigger, answers, actions, ...rest } = patch;
    const result = await this.db
      .updateTable('automationRuns')
      .set({
        ...rest,
        ...('answers' in patch ? { answers: writeJson(answers) } : {}),
        ...('actions' in patch ? { actions: writeJson(actions) } : {}),
        status: to,
      })
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async runs(
    workspaceId: string,
    filter: { ruleId?: string; status?: RunStatus; limit: number },
  ): Promise<Run[]> {
    let query = this.db.selectFrom('automationRuns').selectAll().where('workspaceId', '=', workspaceId);
    if (filter.ruleId) query = query.where('ruleId', '=', filter.ruleId);
    if (filter.status) query = query.where('status', '=', filter.status);
    const rows = await query.orderBy('createdAt', 'desc').orderBy('id').limit(filter.limit).execute();
    return rows.map(runOf);
  }

  /**
   * Starts a queued run unless its rule already started `max` runs since `since`. Check and start are one
   * transaction that first writes the rule's row, so concurrent starts of one rule (several workers, or one
   * worker's concurrent jobs) take turns: PostgreSQL holds the row lock, SQLite the write lock, to commit.
   */
  async startWithinRate(
    runId: string,
    ruleId: string,
    since: string,
    max: number,
  ): Promise<'started' | 'over-rate' | 'not-queued'> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('automationRules')
        .set((eb) => ({ id: eb.ref('id') }))
        .where('id', '=', ruleId)
        .execute();
      const row = await trx
        .selectFrom('automationRuns')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('ruleId', '=', ruleId)
        .where('status', '!=', 'queued')
        .where('createdAt', '>=', since)
        .executeTakeFirstOrThrow();
      if (Number(row.count) >= max) return 'over-rate';
      const moved = await trx
        .updateTable('automationRuns')
        .set({ status: 'running' })
        .where('id', '=', runId)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      return Number(moved.numUpdatedRows) === 1 ? 'started' : 'not-queued';
    });
  }

  async logDelivery(delivery: DeliveryLog): Promise<void> {
    await this.db.insertInto('automationDeliveries').values(delivery).execute();
  }

  async deliveries(workspaceId: string, limit: number): Promise<DeliveryLog[]> {
    const rows = await this.db
      .selectFrom('automationDeliveries')
      .selectAll()
      .where('workspaceId', '=', workspaceId)
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    return rows;
  }

  /** Which side of its threshold a record was last seen on (score triggers fire on crossing). */
  async scoreSide(ruleId: string, recordId: string): Promise<boolean | undefined> {
    const row = await this.db
      .selectFrom('automationScoreSides')
      .select('crossed')
      .where('ruleId', '=', ruleId)
      .where('recordId', '=', recordId)
      .executeTakeFirst();
    return row ? Number(row.crossed) === 1 : undefined;
  }

  async setScoreSide(ruleId: string, recordId: string, crossed: boolean): Promise<void> {
    await this.db
      .insertInto('automationScoreSides')
      .values({ ruleId, recordId, crossed: crossed ? 1 : 0 })
      .onConflict((oc) => oc.columns(['ruleId', 'recordId']).doUpdateSet({ crossed: crossed ? 1 : 0 }))
      .execute();
  }
}

function ruleOf(row: Selectable<AutomationTables['automationRules']>): Rule {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    enabled: Number(row.enabled) === 1,
    definition: readJson<RuleDefinition>(row.definition, {} as RuleDefinition),
    consecutiveFailures: Number(row.consecutiveFailures),
    disabledReason: row.disabledReason,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function runOf(row: Selectable<AutomationTables['automationRuns']>): Run {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    ruleId: row.ruleId,
    eventKey: row.eventKey,
    trigger: readJson(row.trigger, {} as Run['trigger']),
    status: row.status as RunStatus,
    answers: readJson(row.answers, null),
    actions: readJson(row.actions, null),
    error: row.error,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}
