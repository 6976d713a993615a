// Runs agents: one task (named, or routed by the task's intent with `auto`), or a workflow of named steps.
// Steps run as soon as what they depend on is done (by default every earlier step, as in the mission's
// example; `dependsOn: []` runs a step at once, in parallel with others), each under a timeout with
// retries; a step whose input is null receives the earlier results. Every run is stored in the history.

import { AppError } from '../platform/errors.ts';
import type { Agent, AgentContext, AgentName, Evidence } from './agent.ts';
import { agentNames } from './agent.ts';
import { customerInsightsAgent } from './analytic/customer-insights.ts';
import { dealAnalysisAgent } from './analytic/deal-analysis.ts';
import { decisionAgent } from './analytic/decision.ts';
import { leadQualificationAgent } from './analytic/lead-qualification.ts';
import { recommendationAgent } from './analytic/recommendation.ts';
import { researchAgent } from './analytic/research.ts';
import { summaryAgent } from './analytic/summary.ts';
import type { AgentHistory, AgentRunStatus } from './history.ts';
import type { ModelEngine } from './model/model-engine.ts';

export const agents: Record<AgentName, Agent> = {
  leadQualification: leadQualificationAgent,
  dealAnalysis: dealAnalysisAgent,
  customerInsights: customerInsightsAgent,
  recommendation: recommendationAgent,
  research: researchAgent,
  summary: summaryAgent,
  decision: decisionAgent,
};

/** An agent's answer: its output fields, flattened as in the mission's example, plus how it was made. */
export interface AgentOutcome {
  agent: AgentName;
  engine: string;
  durationMs: number;
  evidence: Evidence[];
  tokens?: { prompt: number; completion: number };
  warnings?: string[];
  [field: string]: unknown;
}

export type TaskResult = AgentOutcome & { taskId: string };

export interface WorkflowStep {
  name: string;
  agent: AgentName;
  input: Record<string, unknown> | null;
  dependsOn?: string[];
  timeoutMs?: number;
  retries?: number;
}

// A type, not an interface: it must fit the route's loose response schema (an index signature).
export type StepReport = {
  name: string;
  agent: AgentName;
  status: 'succeeded' | 'failed' | 'skipped';
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  result?: AgentOutcome;
  error?: { code: string; message: string };
};

export interface ObservedTask {
  agent: AgentName;
  status: 'succeeded' | 'failed';
  engine: string;
  durationMs: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface Caller {
  workspaceId: string;
  userId?: string;
}

export type AgentServices = Omit<AgentContext, 'workspaceId' | 'previousResults' | 'signal'>;

const DEFAULT_STEP_TIMEOUT_MS = 30_000;

/** A workflow's dependencies name earlier steps only: checked before it runs, or before it is queued. */
export function validateWorkflow(steps: readonly WorkflowStep[]): void {
  const order = new Map(steps.map((step, index) => [step.name, index]));
  for (const step of steps) {
    for (const dependency of step.dependsOn ?? []) {
      const at = order.get(dependency);
      if (at === undefined)
        throw AppError.validation(`step "${step.name}" depends on unknown step "${dependency}"`);
      if (at >= order.get(step.name)!)
        throw AppError.validation(
          `step "${step.name}" may only depend on earlier steps ("${dependency}" is not)`,
        );
    }
  }
}

export class AgentOrchestrator {
  constructor(
    private readonly services: AgentServices,
    private readonly history: AgentHistory,
    /** The workspace's model engine (its deployed fine-tuned model, else AGENT_MODEL), if it has one. */
    private readonly engineFor: (workspaceId: string) => Promise<ModelEngine | undefined>,
    /** What answers where no workspace model does: AGENT_MODEL's name, or `analytic`. */
    readonly engine: string,
    private readonly pricing = { inputPerMillion: 0, outputPerMillion: 0 },
    /** Told of every finished task (for metrics). */
    private readonly observeTask?: (task: ObservedTask) => void,
    /** The agents by name (tests drive the workflow engine with agents of their own). */
    private readonly catalogue: Record<AgentName, Agent> = agents,
  ) {}

  /** One task, stored in the history whatever its outcome. */
  async run(caller: Caller, name: AgentName | 'auto', given: unknown, task?: string): Promise<TaskResult> {
    const agentName = name === 'auto' ? routeByIntent(task, given) : name;
    const input = name === 'auto' ? withTaskText(agentName, task, given) : given;
    const started = performance.now();
    try {
      const result = await this.execute(caller, agentName, input, undefined);
      const run = await this.recordTask(caller, agentName, input, result, 'succeeded', started);
      return { ...result, taskId: run.id };
    } catch (error) {
      await this.recordTask(caller, agentName, input, undefined, 'failed', started, error);
      throw error;
    }
  }

  async workflow(caller: Caller, steps: readonly WorkflowStep[]) {
    const started = performance.now();
    validateWorkflow(steps);
    const reports = new Map<string, StepReport>();
    const running = new Map<string, Promise<StepReport>>();
    for (const [index, step] of steps.entries()) {
      const dependencies = step.dependsOn ?? steps.slice(0, index).map((earlier) => earlier.name);
      running.set(
        step.name,
        (async () => {
          const done = await Promise.all(dependencies.map((dependency) => running.get(dependency)!));
          const report = done.some((dependency) => dependency.status !== 'succeeded')
            ? skipped(step)
            : await this.runStep(caller, step, done);
          reports.set(step.name, report);
          return report;
        })(),
      );
    }
    await Promise.all(running.values());
    const ordered = steps.map((step) => reports.get(step.name)!);
    const failed = ordered.filter((report) => report.status !== 'succeeded').length;
    const status: AgentRunStatus =
      failed === 0 ? 'succeeded' : failed === ordered.length ? 'failed' : 'partial';
    const results = Object.fromEntries(
      ordered.filter((report) => report.result).map((report) => [report.name, report.result]),
    );
    const output = { status, steps: ordered, results };
    const tokens = ordered.reduce(
      (sum, report) => ({
        prompt: sum.prompt + (report.result?.tokens?.prompt ?? 0),
        completion: sum.completion + (report.result?.tokens?.completion ?? 0),
      }),
      { prompt: 0, completion: 0 },
    );
    const run = await this.history.record({
      workspaceId: caller.workspaceId,
      kind: 'workflow',
      agent: 'workflow',
      status,
      engine: this.engine,
      input: { workflow: steps },
      output,
      error: failed > 0 ? `${failed} of ${ordered.length} steps did not succeed` : null,
      warnings: ordered.flatMap((report) => report.result?.warnings ?? []),
      durationMs: Math.round(performance.now() - started),
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
      costUsd: this.cost(tokens),
      createdBy: caller.userId ?? null,
    });
    return { workflowId: run.id, durationMs: run.durationMs, ...output };
  }

  private async runStep(caller: Caller, step: WorkflowStep, earlier: StepReport[]): Promise<StepReport> {
    const startedAt = new Date().toISOString();
    const previousResults =
      step.input === null
        ? Object.fromEntries(earlier.map((report) => [report.name, report.result]))
        : undefined;
    const attempts = 1 + (step.retries ?? 0);
    let lastError: unknown;
    let attempt = 0;
    while (attempt < attempts) {
      attempt++;
      const signal = AbortSignal.timeout(step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
      try {
        const result = await withTimeout(
          this.execute(caller, step.agent, step.input ?? {}, previousResults, signal),
          signal,
          step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
        );
        return {
          name: step.name,
          agent: step.agent,
          status: 'succeeded',
          attempts: attempt,
          startedAt,
          finishedAt: new Date().toISOString(),
          result: { ...result, taskId: '' },
        };
      } catch (error) {
        lastError = error;
        // Bad input will be bad next time too.
        if (error instanceof AppError && error.statusCode < 500 && error.code !== 'AGENT_TIMEOUT') break;
      }
    }
    return {
      name: step.name,
      agent: step.agent,
      status: 'failed',
      attempts: attempt,
      startedAt,
      finishedAt: new Date().toISOString(),
      error: {
        code: lastError instanceof AppError ? lastError.code : 'AGENT_FAILED',
        message: lastError instanceof Error ? lastError.message : String(lastError),
      },
    };
  }

  /** Validates the input, runs the analytic engine, then the model engine when one is configured. */
  private async execute(
    caller: Caller,
    name: AgentName,
    input: unknown,
    previousResults: Record<string, unknown> | undefined,
    signal?: AbortSignal,
  ): Promise<AgentOutcome> {
    const agent = this.catalogue[name];
    const parsed = agent.input.safeParse(input ?? {});
    if (!parsed.success) {
      throw AppError.validation(
        `invalid input for ${name}`,
        parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      );
    }
    const started = performance.now();
    const context: AgentContext = {
      ...this.services,
      workspaceId: caller.workspaceId,
      previousResults,
      signal,
    };
    const analytic = await agent.analyze(context, parsed.data);
    const engine = await this.engineFor(caller.workspaceId);
    const answer = engine
      ? await engine.answer(agent, caller.workspaceId, analytic, signal)
      : { output: analytic.output, engine: 'analytic', warnings: [] as string[] };
    return {
      agent: name,
      ...(answer.output as object),
      evidence: analytic.evidence,
      engine: answer.engine,
      durationMs: Math.round(performance.now() - started),
      ...('tokens' in answer && answer.tokens ? { tokens: answer.tokens } : {}),
      ...(answer.warnings.length > 0 ? { warnings: answer.warnings } : {}),
    };
  }

  private async recordTask(
    caller: Caller,
    agent: AgentName,
    input: unknown,
    result: AgentOutcome | undefined,
    status: 'succeeded' | 'failed',
    started: number,
    error?: unknown,
  ) {
    const tokens = result?.tokens ?? { prompt: 0, completion: 0 };
    const task = {
      agent,
      status,
      engine: result?.engine ?? this.engine,
      durationMs: Math.round(performance.now() - started),
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
      costUsd: this.cost(tokens),
    };
    this.observeTask?.(task);
    return this.history.record({
      ...task,
      workspaceId: caller.workspaceId,
      kind: 'task',
      input,
      output: result ?? null,
      error: error ? (error instanceof Error ? error.message : String(error)) : null,
      warnings: result?.warnings ?? [],
      createdBy: caller.userId ?? null,
    });
  }

  private cost(tokens: { prompt: number; completion: number }): number {
    return Number(
      (
        (tokens.prompt * this.pricing.inputPerMillion + tokens.completion * this.pricing.outputPerMillion) /
        1e6
      ).toFixed(6),
    );
  }
}

function skipped(step: WorkflowStep): StepReport {
  return {
    name: step.name,
    agent: step.agent,
    status: 'skipped',
    attempts: 0,
    startedAt: null,
    finishedAt: null,
  };
}

function withTimeout<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(new AppError('AGENT_TIMEOUT', 504, `the step took longer than ${timeoutMs} ms`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** `auto`: the agent a task's words and input point to. */
export function routeByIntent(task: string | undefined, input: unknown): AgentName {
  const fields = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const text = (task ?? '').toLowerCase();
  const rules: [RegExp, AgentName][] = [
    [/\b(qualif|score|scoring)\w*|\blead quality/, 'leadQualification'],
    [
      /\b(chances?|probabilit\w*|odds|likel\w*)\b.*\b(win|close|deal)|\b(win|close|deal)\b.*\b(chances?|probabilit\w*|odds|risks?)\b|\banaly[sz]e\b.*\bdeal/,
      'dealAnalysis',
    ],
    [/\b(summar|tl;?dr|recap)/, 'summary'],
    [/\b(decide|decision|choose|pick|which option|compare options)/, 'decision'],
    [/\b(research|background|competitor|who is|tell me about)/, 'research'],
    [/\b(insight|profile|engagement|churn|retention|customer)/, 'customerInsights'],
    [/\b(recommend|next step|what should|plan|prioriti)/, 'recommendation'],
  ];
  for (const [pattern, agent] of rules) if (pattern.test(text)) return agent;
  if ('leadId' in fields) return 'leadQualification';
  if ('dealId' in fields) return 'dealAnalysis';
  if ('customerId' in fields) return 'customerInsights';
  if ('options' in fields) return 'decision';
  if ('company' in fields || 'query' in fields) return 'research';
  if ('text' in fields || 'entityId' in fields) return 'summary';
  if (!task)
    throw AppError.validation('auto needs a task description or an input that names what to work on');
  return 'recommendation';
}

/**
 * The task's words as the picked agent's input where it takes text and was given none: what to research, to
 * summarise, to plan for, or to decide.
 */
export function withTaskText(agent: AgentName, task: string | undefined, input: unknown): unknown {
  const text = task?.trim();
  if (!text) return input;
  const fields = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  if (agent === 'research' && !fields.company && !fields.query)
    return { ...fields, query: text.slice(0, 1000) };
  if (agent === 'summary' && !fields.text && !fields.entityId) return { ...fields, text };
  if (agent === 'recommendation' && !fields.goal) return { ...fields, goal: text.slice(0, 500) };
  if (agent === 'decision' && !fields.question) return { ...fields, question: text.slice(0, 500) };
  return input;
}

export function isAgentName(value: string): value is AgentName {
  return (agentNames as readonly string[]).includes(value);
}
