// Automation: rules that run agents when something happens and act on the answer. A trigger event (a record
// change, a schedule window, a score crossing its threshold) becomes a run, stored once per rule and event,
// and a job on the `automation` queue (retried with backoff; a worker that dies mid-run leaves it to the
// next). The run asks the rule's agents, plans its actions from the answers, then either waits for a person's
// approval or acts. Each action is idempotent for its run: fields are set (the same values again change
// nothing), activities get an id derived from the run, webhooks carry a delivery id receivers can dedupe on.
// A rule whose runs keep failing disables itself with the reason.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import type { RecordScores } from '../agents/learning/record-scores.ts';
import type { AgentOrchestrator } from '../agents/orchestrator.ts';
import { type EntityTypeName, entityTypes } from '../crm/records/entity-types.ts';
import type { RecordsService } from '../crm/records/service.ts';
import { AppError } from '../platform/errors.ts';
import type { EntityChangedEvent } from '../platform/events.ts';
import type { Logger } from '../platform/logger.ts';
import type { JobQueue, QueuedJob } from '../platform/queue/job-queue.ts';
import { describeIssues } from '../platform/validation-issues.ts';
import type { AutomationRepository, PlannedAction, Rule, Run, RunStatus } from './repository.ts';
import { type Action, allHold, fill, type RuleDefinition, ruleDefinitionSchema } from './rule.ts';
import { deliver, refusedUrl, type WebhookPolicy } from './webhooks.ts';

export const AUTOMATION_QUEUE = 'automation';
const ATTEMPTS = 5;
/** Failed runs in a row after which a rule turns itself off. */
const DISABLE_AFTER_FAILURES = 5;
const RULES_TTL_MS = 2_000;

/**
 * Set while a rule's action writes a record. Changes made by automation do not trigger automation: a rule that
 * updates the records it watches would otherwise run forever (the change events fire in the writing flow).
 */
const actingRule = new AsyncLocalStorage<string>();

export interface AutomationOptions {
  webhooks: WebhookPolicy;
  retryBackoffMs: number;
}

interface RuleInput {
  name: string;
  enabled?: boolean;
  definition: unknown;
}

export class AutomationService {
  /** Each workspace's rules, briefly: every record change asks, and rules change rarely. */
  private readonly ruleCache = new Map<string, { at: number; rules: Promise<Rule[]> }>();

  constructor(
    private readonly repository: AutomationRepository,
    private readonly records: RecordsService,
    private readonly orchestrator: AgentOrchestrator,
    private readonly scores: RecordScores,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly options: AutomationOptions,
  ) {}

  // --- rules ---

  private definitionOf(input: unknown): RuleDefinition {
    const parsed = ruleDefinitionSchema.safeParse(input);
    if (!parsed.success)
      throw AppError.validation(`invalid rule: ${describeIssues(parsed.error, 'definition')}`);
    for (const action of parsed.data.actions) {
      if (action.type !== 'webhook') continue;
      const refused = refusedUrl(action.url, this.options.webhooks);
      if (refused) throw new AppError('WEBHOOK_ADDRESS_REFUSED', 400, `webhook ${action.url}: ${refused}`);
    }
    return parsed.data;
  }

  async createRule(workspaceId: string, input: RuleInput, createdBy?: string) {
    const now = new Date().toISOString();
    const rule: Rule = {
      id: randomUUID(),
      workspaceId,
      name: input.name,
      enabled: input.enabled ?? true,
      definition: this.definitionOf(input.definition),
      consecutiveFailures: 0,
      disabledReason: null,
      createdBy: createdBy ?? null,
      createdAt: now,
      updatedAt: now,
    };
    const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
    await this.repository.insertRule(rule, webhookSecret);
    this.ruleCache.delete(workspaceId);
    return { rule, webhookSecret };
  }

  listRules(workspaceId: string) {
    return this.repository.rules(workspaceId);
  }

  async getRule(workspaceId: string, id: string): Promise<Rule> {
    const rule = await this.repository.rule(workspaceId, id);
    if (!rule) throw new AppError('RULE_NOT_FOUND', 404, `automation rule ${id} not found`);
    return rule;
  }

  async updateRule(workspaceId: string, id: string, patch: Partial<RuleInput>): Promise<Rule> {
    await this.getRule(workspaceId, id);
    await this.repository.updateRule(id, {
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.definition === undefined ? {} : { definition: this.definitionOf(patch.definition) }),
      // Turning a rule back on clears what turned it off.
      ...(patch.enabled === undefined
        ? {}
        : {
            enabled: patch.enabled,
            ...(patch.enabled ? { disabledReason: null, consecutiveFailures: 0 } : {}),
          }),
    });
    this.ruleCache.delete(workspaceId);
    return this.getRule(workspaceId, id);
  }

  async deleteRule(workspaceId: string, id: string): Promise<void> {
    await this.getRule(workspaceId, id);
    await this.repository.deleteRule(workspaceId, id);
    this.ruleCache.delete(workspaceId);
  }

  private cachedRules(workspaceId: string): Promise<Rule[]> {
    const cached = this.ruleCache.get(workspaceId);
    if (cached && Date.now() - cached.at < RULES_TTL_MS) return cached.rules;
    const rules = this.repository.rules(workspaceId);
    this.ruleCache.set(workspaceId, { at: Date.now(), rules });
    return rules;
  }

  // --- triggers ---

  /** A record changed: every enabled record rule it matches gets a run for this change. */
  async onChange(event: EntityChangedEvent): Promise<void> {
    if (event.kind === 'deleted' || !event.record || actingRule.getStore()) return;
    const rules = (await this.cachedRules(event.workspaceId)).filter(
      (rule) =>
        rule.enabled &&
        rule.definition.trigger.kind === 'record' &&
        rule.definition.trigger.entityType === event.entityType &&
        rule.definition.trigger.on.includes(event.kind as 'created' | 'updated') &&
        allHold(rule.definition.trigger.conditions, event.record!),
    );
    const change = event.changeToken ?? `${event.entityId}@${String(event.record.updatedAt)}`;
    for (const rule of rules)
      await this.startRun(rule, `change:${change}`, {
        kind: 'record',
        entityType: event.entityType,
        entityId: event.entityId,
        change: event.kind,
      });
  }

  /** Schedule windows and score crossings of every enabled rule (called every minute or so). */
  async tick(now = Date.now()): Promise<number> {
    let started = 0;
    for (const rule of await this.repository.enabledRules()) {
      const { trigger } = rule.definition;
      if (trigger.kind === 'schedule') {
        const window = Math.floor(now / (trigger.everyMinutes * 60_000));
        for (const record of await this.matching(rule, 500))
          if (
            await this.startRun(
              rule,
              `schedule:${window}:${record.id}`,
              scheduleTrigger(rule, record.id, window),
            )
          )
            started++;
      } else if (trigger.kind === 'score') {
        started += await this.scoreCrossings(rule);
      }
    }
    return started;
  }

  private async scoreCrossings(rule: Rule): Promise<number> {
    const trigger = rule.definition.trigger;
    if (trigger.kind !== 'score') return 0;
    let started = 0;
    const page = await this.scores.list(rule.workspaceId, trigger.entityType, {
      limit: 1000,
      offset: 0,
      order: 'desc',
    });
    for (const { record, score } of page.data) {
      const crossed =
        trigger.direction === 'above' ? score.score >= trigger.threshold : score.score <= trigger.threshold;
      const before = await this.repository.scoreSide(rule.id, record.id);
      if (before === crossed) continue;
      await this.repository.setScoreSide(rule.id, record.id, crossed);
      if (!crossed || !allHold(trigger.conditions, { ...record, score: score.score, band: score.band }))
        continue;
      const fired = await this.startRun(rule, `score:${record.id}:${score.scoredAt}`, {
        kind: 'score',
        entityType: trigger.entityType,
        entityId: record.id,
        score: score.score,
        threshold: trigger.threshold,
      });
      if (fired) started++;
    }
    return started;
  }

  /** The latest records of the rule's type that meet its conditions (newest first). */
  private async matching(rule: Rule, limit: number) {
    const { trigger } = rule.definition;
    const type = entityTypes[trigger.entityType as EntityTypeName];
    const page = await this.records.list(type, rule.workspaceId, {
      equals: {},
      ranges: {},
      sort: { field: 'updatedAt', direction: 'desc' },
      limit: Math.min(1000, limit * 5),
    });
    return page.data.filter((record) => allHold(trigger.conditions, record)).slice(0, limit);
  }

  /** Stores the run for this event and queues it; false when the event already has a run. */
  private async startRun(rule: Rule, eventKey: string, trigger: Run['trigger']): Promise<boolean> {
    const run: Run = {
      id: randomUUID(),
      workspaceId: rule.workspaceId,
      ruleId: rule.id,
      eventKey,
      trigger,
      status: 'queued',
      answers: null,
      actions: null,
      error: null,
      decidedBy: null,
      decidedAt: null,
      createdAt: new Date().toISOString(),
      finishedAt: null,
    };
    if (!(await this.repository.insertRun(run))) return false;
    await this.enqueue(run.id);
    return true;
  }

  /** Queues a run's next turn: `stage` names it (a finished job's id is remembered, so each turn needs its own; BullMQ ids take no colons). */
  private enqueue(runId: string, stage: 'start' | 'approved' | 'wait' = 'start', delayMs?: number) {
    return this.queue.add(
      AUTOMATION_QUEUE,
      'run',
      { runId },
      {
        jobId: stage === 'wait' ? `${runId}-wait-${Date.now()}` : `${runId}-${stage}`,
        attempts: ATTEMPTS,
        backoffMs: this.options.retryBackoffMs,
        delayMs,
      },
    );
  }

  // --- runs ---

  /** The queue's handler: asks the agents, then acts or waits for approval; throws to be retried. */
  async process(job: QueuedJob<{ runId: string }>): Promise<void> {
    const run = await this.repository.run(job.data.runId);
    if (!run || !['queued', 'running', 'approved'].includes(run.status)) return;
    const rule = await this.repository.rule(run.workspaceId, run.ruleId);
    if (!rule) return;
    if (!rule.enabled && run.status === 'queued') {
      // Turning a rule off stops its waiting runs too (an approved one still carries out the decision).
      await this.repository.transition(run.id, ['queued'], 'failed', {
        error: 'the rule was disabled before this run started',
        finishedAt: new Date().toISOString(),
      });
      return;
    }
    try {
      if (run.status === 'approved') return await this.act(rule, run, job.attemptsMade + 1);
      if (run.status === 'queued') {
        const since = new Date(Date.now() - 60_000).toISOString();
        const start = await this.repository.startWithinRate(
          run.id,
          rule.id,
          since,
          rule.definition.maxRunsPerMinute,
        );
        if (start === 'over-rate') {
          // Over the rule's rate: the run waits its turn rather than being dropped.
          await this.enqueue(run.id, 'wait', 1_000 + Math.floor(Math.random() * 1_000));
          return;
        }
        if (start === 'not-queued') return;
      }
      const planned = await this.plan(rule, run);
      if (rule.definition.requiresApproval && planned.actions.some((action) => action.status === 'planned')) {
        await this.repository.transition(run.id, ['running'], 'pending_approval', {
          answers: planned.answers,
          actions: planned.actions,
        } as Partial<Run>);
        return;
      }
      await this.repository.updateRun(run.id, { answers: planned.answers, actions: planned.actions });
      await this.act(rule, { ...run, status: 'running', ...planned }, job.attemptsMade + 1);
    } catch (error) {
      const message = (error as Error).message;
      const final = job.attemptsMade + 1 >= ATTEMPTS;
      await this.repository.updateRun(run.id, {
        error: message,
        ...(final ? { status: 'failed' as const, finishedAt: new Date().toISOString() } : {}),
      });
      if (final) await this.failed(rule, message);
      throw error;
    }
  }

  /** Runs the rule's agents on the record and plans its actions (templates filled, `when` checked). */
  private async plan(rule: Rule, run: Run) {
    const type = entityTypes[run.trigger.entityType as EntityTypeName];
    const record = await this.records.get(type, run.workspaceId, run.trigger.entityId);
    const scope: Record<string, unknown> = { record, trigger: run.trigger, answers: {} };
    const answers: Record<string, unknown> = {};
    for (const step of rule.definition.steps) {
      const answer = await this.orchestrator.run(
        { workspaceId: run.workspaceId, userId: `automation:${rule.id}` },
        step.agent,
        fill(step.input, scope),
      );
      answers[step.name] = answer;
      scope.answers = answers;
    }
    const actions: PlannedAction[] = rule.definition.actions.map((action) => {
      const { when, ...rest } = action;
      if (!allHold(when, scope))
        return { type: action.type, detail: {}, status: 'skipped', reason: 'its condition does not hold' };
      return { type: action.type, detail: fill(rest, scope) as Record<string, unknown>, status: 'planned' };
    });
    return { answers, actions };
  }

  /** Performs the planned actions not yet done, saving each as it completes. */
  /** `attempt`: which try of the run's job this is (1 first), recorded with each webhook delivery. */
  private async act(rule: Rule, run: Run, attempt: number): Promise<void> {
    const actions = [...(run.actions ?? [])];
    for (const [index, action] of actions.entries()) {
      if (action.status !== 'planned') continue;
      action.result = await this.perform(rule, run, index, action, attempt);
      action.status = 'done';
      await this.repository.updateRun(run.id, { actions });
    }
    await this.repository.updateRun(run.id, {
      status: 'succeeded',
      error: null,
      finishedAt: new Date().toISOString(),
    });
    if (rule.consecutiveFailures > 0) await this.repository.updateRule(rule.id, { consecutiveFailures: 0 });
  }

  private perform(
    rule: Rule,
    run: Run,
    index: number,
    action: PlannedAction,
    attempt: number,
  ): Promise<unknown> {
    return actingRule.run(rule.id, () => this.performAction(rule, run, index, action, attempt));
  }

  private async performAction(
    rule: Rule,
    run: Run,
    index: number,
    action: PlannedAction,
    attempt: number,
  ): Promise<unknown> {
    const detail = action.detail as Action & Record<string, unknown>;
    const type = entityTypes[run.trigger.entityType as EntityTypeName];
    if (detail.type === 'update_record') {
      const patch: Record<string, unknown> = {};
      const custom: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(detail.fields))
        if (field.startsWith('custom.')) custom[field.slice(7)] = value;
        else patch[field] = value;
      if (Object.keys(custom).length > 0) {
        const current = await this.records.get(type, run.workspaceId, run.trigger.entityId);
        patch.custom = { ...((current.custom as Record<string, unknown>) ?? {}), ...custom };
      }
      const updated = await this.records.update(type, run.workspaceId, run.trigger.entityId, patch);
      return { updated: Object.keys(detail.fields), updatedAt: updated.updatedAt };
    }
    if (detail.type === 'create_activity') {
      // An id derived from the run and the action: a retried run finds its activity instead of adding one.
      const id = `auto-${run.id}-${index}`;
      try {
        await this.records.create(entityTypes.activity, run.workspaceId, {
          id,
          type: detail.activityType,
          subject: detail.subject,
          notes: detail.notes ?? null,
          relatedType: run.trigger.entityType,
          relatedId: run.trigger.entityId,
        });
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'RECORD_EXISTS')) throw error;
      }
      return { activityId: id };
    }
    const payload = {
      rule: { id: rule.id, name: rule.name },
      run: { id: run.id, trigger: run.trigger, createdAt: run.createdAt },
      record: await this.records.get(type, run.workspaceId, run.trigger.entityId),
      answers: run.answers,
    };
    const deliveryId = `${run.id}:${index}`;
    const outcome = await deliver(
      String(detail.url),
      payload,
      { secret: await this.repository.secret(rule.id), deliveryId },
      this.options.webhooks,
    );
    await this.repository.logDelivery({
      id: randomUUID(),
      workspaceId: run.workspaceId,
      runId: run.id,
      url: String(detail.url),
      attempt,
      ...outcome,
      at: new Date().toISOString(),
    });
    if (outcome.status !== 'delivered')
      throw new Error(`webhook ${String(detail.url)} failed: ${outcome.error ?? outcome.responseStatus}`);
    return { deliveryId, responseStatus: outcome.responseStatus };
  }

  private async failed(rule: Rule, reason: string) {
    const failures = await this.repository.recordFailure(rule.id);
    if (failures >= DISABLE_AFTER_FAILURES && rule.enabled) {
      await this.repository.updateRule(rule.id, {
        enabled: false,
        disabledReason: `disabled after ${failures} failed runs in a row; the last: ${reason}`,
      });
      this.log.warn({ ruleId: rule.id, reason }, 'automation rule disabled after repeated failures');
    }
    this.ruleCache.delete(rule.workspaceId);
  }

  // --- people ---

  listRuns(workspaceId: string, filter: { ruleId?: string; status?: RunStatus; limit: number }) {
    return this.repository.runs(workspaceId, filter);
  }

  async getRun(workspaceId: string, id: string): Promise<Run> {
    const run = await this.repository.run(id);
    if (!run || run.workspaceId !== workspaceId)
      throw new AppError('RUN_NOT_FOUND', 404, `automation run ${id} not found`);
    return run;
  }

  /** Approves a run's proposed actions (they run through the queue) or rejects them. */
  async decide(workspaceId: string, id: string, approve: boolean, userId: string): Promise<Run> {
    await this.getRun(workspaceId, id);
    const decided = await this.repository.transition(
      id,
      ['pending_approval'],
      approve ? 'approved' : 'rejected',
      {
        decidedBy: userId,
        decidedAt: new Date().toISOString(),
        ...(approve ? {} : { finishedAt: new Date().toISOString() }),
      },
    );
    if (!decided) throw new AppError('RUN_NOT_PENDING', 409, 'this run is not waiting for approval');
    if (approve) await this.enqueue(id, 'approved');
    return this.getRun(workspaceId, id);
  }

  /** What the rule would do to its latest matching records: the agents answer, nothing is changed. */
  async dryRun(workspaceId: string, id: string, limit: number) {
    const rule = await this.getRule(workspaceId, id);
    const records = await this.matching(rule, limit);
    const results = [];
    for (const record of records) {
      const run = {
        workspaceId,
        trigger: { kind: 'dry-run', entityType: rule.definition.trigger.entityType, entityId: record.id },
      } as Run;
      const planned = await this.plan(rule, run);
      results.push({ recordId: record.id, answers: planned.answers, actions: planned.actions });
    }
    return { ruleId: rule.id, records: results.length, results };
  }

  deliveries(workspaceId: string, limit: number) {
    return this.repository.deliveries(workspaceId, limit);
  }
}

function scheduleTrigger(rule: Rule, recordId: string, window: number): Run['trigger'] {
  return { kind: 'schedule', entityType: rule.definition.trigger.entityType, entityId: recordId, window };
}
