// Wires the agents: scoring models, history, the optional model engine, the orchestrator and routes.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { ChatModel } from '../ai/chat/index.ts';
import type { ModelRegistry } from '../ai/registry.ts';
import type { Crm } from '../crm/index.ts';
import { mountRoutes } from '../platform/http/mount.ts';
import type { Platform } from '../platform/index.ts';
import { reportQueueDepth } from '../platform/queue/job-queue.ts';
import type { Vector } from '../vector/index.ts';
import { AgentHistory } from './history.ts';
import { RESCORING_QUEUE, RecordScores } from './learning/record-scores.ts';
import { registerScoreRoutes } from './learning/routes.ts';
import { SCORING_QUEUE, ScoringModels } from './learning/scoring-models.ts';
import { ModelEngine } from './model/model-engine.ts';
import { AgentOrchestrator } from './orchestrator.ts';
import { registerAgentRoutes } from './routes.ts';
import type { AgentTables } from './tables.ts';
import { WORKFLOW_QUEUE, WorkflowJobs } from './workflow-jobs.ts';

export interface Agents {
  orchestrator: AgentOrchestrator;
  history: AgentHistory;
  models: ScoringModels;
  scores: RecordScores;
  workflowJobs: WorkflowJobs;
  /** Stops the retraining schedule and gathered rescoring (before the platform closes). */
  close(): void;
}

export function createAgents(platform: Platform, crm: Crm, vector: Vector, registry: ModelRegistry): Agents {
  const { agentModel } = platform.config;
  const db = platform.database.kysely as Kysely<AgentTables>;
  const models = new ScoringModels(crm.records, db, platform.queue, {
    retrainAfterMs: agentModel.retrainAfterMs,
    retrainOnNewOutcomes: 0.1,
    onError: (error) => platform.log.warn({ err: error }, 'a due retraining of the scorers was not queued'),
    deployed: (workspaceId, kind) => registry.recordClassifier(workspaceId, kind),
  });
  // A classifier deployed, activated or rolled back here: the records it scores are rescored.
  registry.onChange((workspaceId) => models.servingChanged(workspaceId));
  const history = new AgentHistory(db);
  const scores = new RecordScores(db, crm.records, models, platform.queue, (error) =>
    platform.log.warn({ err: error }, 'changed records were not queued for rescoring'),
  );
  scores.follow(platform.events);
  // One engine per chat model: the engine itself holds nothing but the model and the shared cache.
  const engines = new LRUCache<ChatModel, ModelEngine>({ max: 200 });
  const engineFor = async (workspaceId: string) => {
    const active = await registry.chatModel(workspaceId);
    if (!active) return undefined;
    let engine = engines.get(active.chat);
    if (!engine) {
      engine = new ModelEngine(active.chat, platform.cache);
      engines.set(active.chat, engine);
    }
    return engine;
  };
  const orchestrator = new AgentOrchestrator(
    { records: crm.records, search: vector.service, models, registry },
    history,
    engineFor,
    registry.defaultChatModel ?? 'analytic',
    agentModel.pricing,
    (task) => {
      const { metrics } = platform;
      metrics.agentTasks.observe(
        { agent: task.agent, engine: task.engine, outcome: task.status },
        task.durationMs / 1000,
      );
      if (task.promptTokens)
        metrics.modelTokens.inc({ engine: task.engine, kind: 'prompt' }, task.promptTokens);
      if (task.completionTokens)
        metrics.modelTokens.inc({ engine: task.engine, kind: 'completion' }, task.completionTokens);
      if (task.costUsd) metrics.modelCost.inc({ engine: task.engine }, task.costUsd);
    },
  );
  const workflowJobs = new WorkflowJobs(platform.queue, orchestrator);
  reportQueueDepth(platform.queue, platform.metrics, [WORKFLOW_QUEUE, SCORING_QUEUE, RESCORING_QUEUE]);
  // A shared queue's jobs run where RUN_JOBS says (workers); the in-process queue's here.
  let stopSchedule = () => {};
  if (!platform.queue.shared || platform.config.jobs.run) {
    workflowJobs.consume();
    models.consume();
    stopSchedule = models.schedule();
    scores.consume();
  }
  const close = () => {
    stopSchedule();
    scores.stop();
  };
  return { orchestrator, history, models, scores, workflowJobs, close };
}

export function registerAgentModule(app: FastifyInstance, agents: Agents): void {
  mountRoutes(app, '/api/agents', (routes) =>
    registerAgentRoutes(routes, agents.orchestrator, agents.history, agents.workflowJobs),
  );
  mountRoutes(app, '/api/agents', (routes) => registerScoreRoutes(routes, agents.models, agents.scores));
}
