// The hosted training providers this instance can use: each needs its key (and Replicate a destination
// model); the others refuse jobs with the setting to add.
import type { Config } from '../../config.ts';
import type { ProviderName } from '../catalog.ts';
import { openAiProvider } from './openai.ts';
import type { HostedProviderName, TrainingProvider } from './provider.ts';
import { replicateProvider } from './replicate.ts';
import { togetherProvider } from './together.ts';

const hostedNames: readonly HostedProviderName[] = ['together', 'openai', 'replicate'];
const PROVIDER_RETRIES = 4;

export function isHosted(provider: ProviderName): provider is HostedProviderName {
  return (hostedNames as readonly string[]).includes(provider);
}

export interface HostedProviders {
  providers: Partial<Record<HostedProviderName, TrainingProvider>>;
  /** Why each unconfigured provider cannot take jobs. */
  unavailable: Partial<Record<HostedProviderName, string>>;
}

export function createHostedProviders(
  config: Config['fineTuning']['hosted'],
  fetchImpl?: typeof fetch,
): HostedProviders {
  const connection = { timeoutMs: config.timeoutMs, retries: PROVIDER_RETRIES, fetch: fetchImpl };
  const result: HostedProviders = { providers: {}, unavailable: {} };
  const { together, openai, replicate } = config;
  if (together.apiKey)
    result.providers.together = togetherProvider({ ...connection, ...together, apiKey: together.apiKey });
  else result.unavailable.together = 'set TOGETHER_AI_API_KEY to train on Together AI';
  if (openai.apiKey)
    result.providers.openai = openAiProvider({ ...connection, ...openai, apiKey: openai.apiKey });
  else result.unavailable.openai = 'set OPENAI_API_KEY to train on OpenAI';
  if (replicate.apiKey && replicate.destination)
    result.providers.replicate = replicateProvider({
      ...connection,
      ...replicate,
      apiKey: replicate.apiKey,
      destination: replicate.destination,
    });
  else
    result.unavailable.replicate =
      'set REPLICATE_API_TOKEN and REPLICATE_DESTINATION (owner/model that receives trained versions) to train on Replicate';
  return result;
}
