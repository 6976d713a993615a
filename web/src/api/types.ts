// The API's shapes as the panel reads them, named from the generated schema (schema.ts, from the server's
// OpenAPI document): a server change that breaks the panel is a type error here, not a blank page.
import type { operations } from './schema.ts';

/** The JSON body of an operation's response with `status`. */
type Reply<Operation extends keyof operations, Status extends number = 200> = operations[Operation] extends {
  responses: { [S in Status]: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

export type Workspace = Reply<'getWorkspaces'>['data'][number];

export type AgentList = Reply<'getAgentsAgentsList'>;
export type AgentInfo = AgentList['agents'][number];
export type AgentRun = Reply<'getAgentsHistory'>['data'][number];
export type Evidence = Reply<'postAgentsExecute'>['evidence'][number];

export type SearchHit = Reply<'postVectorHybridSearch'>['results'][number];
export type IndexStats = Reply<'getVectorStats'>;

export type Overview = Reply<'getMonitoringOverview'>;
export type ErrorReport = Reply<'getMonitoringErrors'>;
export type OperationsHistory = Reply<'getMonitoringHistory'>;

export type BaseModel = Reply<'getAiFineTuningModels'>['models'][number];
export type Method = Reply<'getAiFineTuningMethods'>['methods'][number];
export type Dataset = Reply<'getAiFineTuningDatasetsById'>;
export type Job = Reply<'getAiFineTuningJobsByJobId'>;
export type Metric = NonNullable<Job['metrics']>[number];
export type Estimate = Reply<'postAiFineTuningJobsEstimate'>;
export type DeployedModels = Reply<'getAiFineTuningDeployedModels'>;
export type DeployedModel = DeployedModels['models'][number];
export type AgentRunDetail = Reply<'getAgentsHistoryByRunId'>;
export type ProviderStatus = Reply<'getAiFineTuningProviders'>['providers'][number];

export type ScoredPage = Reply<'getAgentsScoresByType'>;
export type ScoredRecord = ScoredPage['data'][number];
export type ScorerVersion = Reply<'getAgentsScoringModels'>['data'][number];

export type TrainerList = Reply<'getAiFineTuningTrainers'>;
export type TrainerInfo = TrainerList['trainers'][number];
export type RegisteredTrainer = Reply<'postAiFineTuningTrainers', 201>;

export type AutomationRule = Reply<'getAutomationsRules'>['rules'][number];
export type AutomationRun = Reply<'getAutomationsRuns'>['runs'][number];
export type DryRun = Reply<'postAutomationsRulesByRuleIdDryRun'>;
