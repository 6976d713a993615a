// Which model answers a workspace's agents: its active fine-tuned chat model, else the instance's configured
// one (AGENT_MODEL), else the analytic engine. The header and the agents page name it.
import { get } from '../api/client.ts';
import type { DeployedModels } from '../api/types.ts';
import { useAsync } from './ui.tsx';

export const deployedModelsPath = (workspaceId: string) => `/api/ai/fine-tuning/${workspaceId}/models`;

export function answeringModel(models: DeployedModels): string {
  const chat = models.slots.find((slot) => slot.slot === 'chat');
  const active = chat && models.models.find((model) => model.id === chat.modelId);
  if (active) return active.name;
  return models.defaultChatModel ?? 'analytic engine (no language model)';
}

/** The name of the model answering, or a placeholder while it loads. */
export function useAnsweringModel(workspaceId: string, reloadKey: unknown = null): string {
  const models = useAsync(
    () => get<DeployedModels>(deployedModelsPath(workspaceId)),
    [workspaceId, reloadKey],
  );
  if (models.data) return answeringModel(models.data);
  return models.error ? 'unknown' : '…';
}
