// What an agent is: a name, validated input and output, and an analytic engine that computes the answer from
// the workspace's own records and names the records it used. The model engine (./model) builds on it.
import type { z } from 'zod';
import type { ModelRegistry } from '../ai/registry.ts';
import type { EntityTypeName, RecordRow } from '../crm/records/entity-types.ts';
import type { RecordsService } from '../crm/records/service.ts';
import type { VectorService } from '../vector/service.ts';
import type { ScoringModels } from './learning/scoring-models.ts';

export const agentNames = [
  'leadQualification',
  'dealAnalysis',
  'customerInsights',
  'recommendation',
  'research',
  'summary',
  'decision',
] as const;
export type AgentName = (typeof agentNames)[number];

export interface Evidence {
  entityType: EntityTypeName;
  entityId: string;
}

export interface AgentContext {
  workspaceId: string;
  records: RecordsService;
  search: VectorService;
  models: ScoringModels;
  /** Models deployed for the workspace (fine-tuned classifiers), asked by task. */
  registry?: Pick<ModelRegistry, 'classifier'>;
  /** Results of earlier workflow steps, by step name, when the step's input was null. */
  previousResults?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface AnalyticAnswer<Output> {
  output: Output;
  evidence: Evidence[];
  /** The records themselves, for the model engine's prompt. */
  records: { entityType: EntityTypeName; record: RecordRow }[];
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds agents of every input and output type
export interface Agent<Input = any, Output = any> {
  name: AgentName;
  description: string;
  input: z.ZodType<Input>;
  output: z.ZodType<Output>;
  /** What the model engine is asked to do with the findings. */
  instructions: string;
  analyze(context: AgentContext, input: Input): Promise<AnalyticAnswer<Output>>;
}

export function defineAgent<Input, Output>(agent: Agent<Input, Output>): Agent<Input, Output> {
  return agent;
}

/** Evidence from records, each once. */
export function evidenceOf(items: readonly { entityType: EntityTypeName; record: RecordRow }[]): Evidence[] {
  const seen = new Set<string>();
  const evidence: Evidence[] = [];
  for (const { entityType, record } of items) {
    const key = `${entityType}:${record.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    evidence.push({ entityType, entityId: record.id });
  }
  return evidence;
}
