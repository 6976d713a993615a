// Wires the agents: scoring models, history, the optional model engine, the orchestrator and routes.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Crm } from '../crm/index.ts';
import type { Platform } from '../platform/index.ts';
import type { JobQueues } from '../platform/queue/job-queues.ts';
import type { Vector } from '../vector/index.ts';
import { AgentHistory } from './history.ts';
import { ScoringModels } from './learning/scoring-models.ts';
import { ChatClient } from './model/chat-client.ts';
import { ModelEngine } from './model/model-engine.ts';
import { ReplicateChatClient } from './model/replicate-chat.ts';
import { AgentOrchestrator, type AgentServices, type Caller, type WorkflowStep } from './orchestrator.ts';
import { registerAgentRoutes } from './routes.ts';

export interface Agents {
  orchestrator: AgentOrchestrator;
  history: AgentHistory;
  models: ScoringModels;
}

export function createAgents(
  platform: Platform,
  crm: Crm,
  vector: Vector,
  deployed?: AgentServices['deployed'],
): Agents {
  const { agentModel } = platform.config;
  const models = new ScoringModels(crm.records, agentModel.retrainAfterMs);
  // biome-ignore lint/suspicious/noExplicitAny: the history table is outside the CRM schema types
  const history = new AgentHistory(platform.database.kysely as Kysely<any>);
  const modelEngine = agentModel.model
    ? new ModelEngine(
        new ChatClient({
          baseUrl: agentModel.baseUrl,
          apiKey: agentModel.apiKey,
          model: agentModel.model,
          timeoutMs: agentModel.timeoutMs,
        }),
        platform.cache,
      )
    : undefined;
  const deployedEngines = new Map<string, ModelEngine>();
  const deployedEngine = async (workspaceId: string) => {
    const chat = await deployed?.chatModel?.(workspaceId);
    if (!chat) return undefined;
    const key = `${chat.protocol} ${chat.baseUrl} ${chat.model}`;
    let engine = deployedEngines.get(key);
    if (!engine) {
      const options = {
        baseUrl: chat.baseUrl,
        apiKey: chat.apiKey,
        model: chat.model,
        timeoutMs: agentModel.timeoutMs,
      };
      engine = new ModelEngine(
        chat.protocol === 'replicate-prediction' ? new ReplicateChatClient(options) : new ChatClient(options),
        platform.cache,
      );
      deployedEngines.set(key, engine);
    }
    return engine;
  };
  const orchestrator = new AgentOrchestrator(
    { records: crm.records, search: vector.service, models, deployed },
    history,
    modelEngine,
    agentModel.pricing,
    deployedEngine,
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
  return { orchestrator, history, models };
}

export function registerAgentModule(app: FastifyInstance, agents: Agents, queues?: JobQueues): void {
  registerAgentRoutes(app, agents.orchestrator, agents.history, queues);
}

/** Runs queued workflows in this process (a worker). */
export function consumeWorkflows(agents: Agents, queues: JobQueues): void {
  queues.process<{ caller: Caller; steps: WorkflowStep[] }>(
    'workflows',
    (job) => agents.orchestrator.workflow(job.data.caller, job.data.steps),
    2,
  );
}
