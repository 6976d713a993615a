// Deployment of a finished job: a local classifier becomes a scoring model of the workspace; a hosted model
// becomes the workspace's chat model for the agents (on Together through a dedicated endpoint); a simulated job
// is recorded as deployed but serves nothing, and says so. What serves is registered in the model registry.

import type { ModelRegistry } from '../../ai/registry.ts';
import { TASK_OF } from '../../ai/scoring/record-classifier.ts';
import { AppError } from '../../platform/errors.ts';
import type { ProviderName } from '../catalog.ts';
import type { TrainingProvider } from '../providers/provider.ts';
import { type InferenceServer, loadLoraAdapter, servedModels } from '../providers/vllm.ts';
import type { Job } from './job.ts';
import type { JobRepository } from './repository.ts';

export class JobDeployer {
  constructor(
    private readonly repository: JobRepository,
    /** The adapter of a configured hosted provider. */
    private readonly hosted: (provider: ProviderName) => TrainingProvider | undefined,
    /** Where deployed models are registered for the agents to find. */
    private readonly registry: Pick<ModelRegistry, 'register' | 'remove'>,
    /** Where self-hosted models are served, and the artifact path as that server sees it. */
    private readonly selfHosted?: { server?: InferenceServer; adapterPath: (jobId: string) => string },
  ) {}

  /**
   * Deploys a finished job: a local classifier becomes a scoring model of the workspace; a hosted model
   * becomes the workspace's chat model for the agents (on Together through a dedicated endpoint); a
   * simulated job is recorded as deployed but serves nothing, and says so.
   */
  async deploy(job: Job): Promise<void> {
    const { workspaceId, id } = job;
    await this.repository.setDeployment(workspaceId, id, 'deploying', null);
    const deployedAt = new Date().toISOString();
    const result = job.result ?? {};
    if (job.provider === 'self-hosted') return this.deploySelfHosted(job, deployedAt);
    const hosted = this.hosted(job.provider);
    if (hosted) {
      try {
        const served = await hosted.deploy(String(result.modelName), job.name);
        const deployment = { kind: 'chat-model', provider: job.provider, ...served, deployedAt };
        await this.registry.register(workspaceId, {
          id,
          kind: 'chat',
          task: null,
          name: String(result.modelName ?? job.name),
          source: 'fine-tuning',
          spec: {
            provider: job.provider,
            protocol: served.protocol,
            baseUrl: served.baseUrl,
            model: served.model,
          },
        });
        await this.repository.setDeployment(workspaceId, id, 'deployed', deployment);
      } catch (error) {
        await this.repository.setDeployment(workspaceId, id, 'failed', { error: (error as Error).message });
        throw new AppError(
          'DEPLOY_FAILED',
          502,
          `${job.provider} refused the deployment: ${(error as Error).message}`,
        );
      }
      return;
    }
    const deployment =
      job.provider === 'local'
        ? {
            kind: 'scoring-model',
            modelName: result.modelName,
            artifact: result.artifact,
            labels: result.labels,
            valAccuracy: result.valAccuracy,
            deployedAt,
          }
        : {
            kind: 'simulated',
            simulated: true,
            modelName: result.modelName,
            deployedAt,
            note: 'a simulated job trained no model; nothing serves requests',
          };
    const labels = result.labels as string[] | undefined;
    if (job.provider === 'local' && labels && typeof result.artifact === 'string') {
      await this.registry.register(workspaceId, {
        id,
        kind: 'classifier',
        // A classifier of lead conversions (or deal outcomes) scores leads (deals) for the agents.
        task: labels.includes('converted') ? TASK_OF.lead : labels.includes('won') ? TASK_OF.deal : null,
        name: String(result.modelName ?? job.name),
        source: 'fine-tuning',
        spec: { artifact: result.artifact, labels },
      });
    }
    await this.repository.setDeployment(workspaceId, id, 'deployed', deployment);
  }

  /**
   * Takes a deployed job's model out of service: whatever slot it served falls back to the model before it, or
   * to the configured default. The job can be deployed again later.
   */
  async undeploy(job: Job): Promise<void> {
    await this.registry.remove(job.workspaceId, job.id);
    await this.repository.setDeployment(job.workspaceId, job.id, 'not_deployed', {
      undeployedAt: new Date().toISOString(),
    });
  }

  /**
   * A self-hosted model goes to the configured inference server: a LoRA adapter is loaded into it by name; a
   * full fine-tune must be served there already under that name; prompt-learning adapters (prefix, p-tuning)
   * are not served by vLLM and are refused with the reason.
   */
  private async deploySelfHosted(job: Job, deployedAt: string): Promise<void> {
    const server = this.selfHosted?.server;
    if (!server)
      throw new AppError(
        'PROVIDER_NOT_AVAILABLE',
        400,
        'set SELF_HOSTED_INFERENCE_URL to an OpenAI-compatible server (vLLM with --enable-lora) to deploy self-hosted models',
      );
    if (job.method === 'prefix-tuning' || job.method === 'p-tuning')
      throw new AppError(
        'DEPLOY_UNSUPPORTED',
        409,
        `vLLM serves LoRA adapters and full models, not ${job.method} adapters; serve this one with transformers + PEFT (the artifact is at ${String(job.result?.artifact)})`,
      );
    const name = String(job.result?.modelName ?? `crm-${job.id.slice(0, 8)}`);
    const { workspaceId, id } = job;
    await this.repository.setDeployment(workspaceId, id, 'deploying', null);
    try {
      if (job.method === 'full') {
        if (!(await servedModels(server)).includes(name))
          throw new Error(
            `the server does not serve ${name}; start it on the artifact directory with --served-model-name ${name}`,
          );
      } else {
        await loadLoraAdapter(server, name, this.selfHosted!.adapterPath(id));
      }
    } catch (error) {
      await this.repository.setDeployment(workspaceId, id, 'failed', { error: (error as Error).message });
      throw new AppError(
        'DEPLOY_FAILED',
        502,
        `the inference server refused the deployment: ${(error as Error).message}`,
      );
    }
    const spec = {
      provider: 'self-hosted',
      protocol: 'openai-chat' as const,
      baseUrl: server.baseUrl,
      model: name,
    };
    await this.registry.register(workspaceId, {
      id,
      kind: 'chat',
      task: null,
      name,
      source: 'fine-tuning',
      spec,
    });
    await this.repository.setDeployment(workspaceId, id, 'deployed', {
      kind: 'chat-model',
      ...spec,
      deployedAt,
    });
  }
}
