// What can be trained where: the base models (the mission's table plus Qwen and DeepSeek), the training
// methods, and which provider offers which. Hosted APIs train LoRA and full fine-tunes only; the self-hosted
// worker (trainer/, PyTorch + PEFT on your own GPU) trains all five, QLoRA where bitsandbytes' 4-bit kernels run. Throughput figures for the estimator come from measurements on
// an H200 (see README), scaled by parameter count and GPU class.

export const providerNames = [
  'together',
  'openai',
  'replicate',
  'self-hosted',
  'local',
  'simulator',
] as const;
export type ProviderName = (typeof providerNames)[number];

export const methodNames = ['lora', 'qlora', 'full', 'prefix-tuning', 'p-tuning'] as const;
export type MethodName = (typeof methodNames)[number];

export type TokenizerName = 'llama3' | 'llama2' | 'qwen3' | 'deepseek_v3' | 'o200k';

export interface BaseModel {
  id: string;
  name: string;
  family: 'llama' | 'mistral' | 'qwen' | 'deepseek' | 'openai' | 'local';
  parametersB: number;
  contextTokens: number;
  gpu: string;
  gpuCount: number;
  /** The mission's ranges for a typical CRM dataset. */
  typicalTime: string;
  typicalCost: string;
  tokenizer: TokenizerName;
  /** Each provider's own name for the model, for those that can train it. */
  providerModels: Partial<Record<ProviderName, string>>;
}

const simulator = { simulator: 'simulated' };

export const baseModels: BaseModel[] = [
  {
    id: 'llama-3-8b',
    name: 'Llama 3 8B',
    family: 'llama',
    parametersB: 8,
    contextTokens: 8_192,
    gpu: 'A100 40GB',
    gpuCount: 1,
    typicalTime: '2-4h',
    typicalCost: '$5-10',
    tokenizer: 'llama3',
    providerModels: {
      together: 'meta-llama/Meta-Llama-3-8B-Instruct',
      'self-hosted': 'meta-llama/Meta-Llama-3-8B-Instruct',
      replicate: 'meta/meta-llama-3-8b-instruct',
      ...simulator,
    },
  },
  {
    id: 'llama-3-70b',
    name: 'Llama 3 70B',
    family: 'llama',
    parametersB: 70,
    contextTokens: 8_192,
    gpu: 'A100 80GB',
    gpuCount: 4,
    typicalTime: '8-12h',
    typicalCost: '$50-100',
    tokenizer: 'llama3',
    providerModels: {
      together: 'meta-llama/Meta-Llama-3-70B-Instruct',
      'self-hosted': 'meta-llama/Meta-Llama-3-70B-Instruct',
      replicate: 'meta/meta-llama-3-70b-instruct',
      ...simulator,
    },
  },
  {
    id: 'llama-3.1-8b',
    name: 'Llama 3.1 8B',
    family: 'llama',
    parametersB: 8,
    contextTokens: 131_072,
    gpu: 'A100 40GB',
    gpuCount: 1,
    typicalTime: '2-4h',
    typicalCost: '$5-10',
    tokenizer: 'llama3',
    providerModels: {
      together: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
      'self-hosted': 'meta-llama/Llama-3.1-8B-Instruct',
      ...simulator,
    },
  },
  {
    id: 'llama-3.1-70b',
    name: 'Llama 3.1 70B',
    family: 'llama',
    parametersB: 70,
    contextTokens: 131_072,
    gpu: 'A100 80GB',
    gpuCount: 4,
    typicalTime: '8-12h',
    typicalCost: '$50-100',
    tokenizer: 'llama3',
    providerModels: {
      together: 'meta-llama/Meta-Llama-3.1-70B-Instruct-Reference',
      'self-hosted': 'meta-llama/Llama-3.1-70B-Instruct',
      ...simulator,
    },
  },
  {
    id: 'mistral-7b',
    name: 'Mistral 7B',
    family: 'mistral',
    parametersB: 7.2,
    contextTokens: 8_192,
    gpu: 'A100 40GB',
    gpuCount: 1,
    typicalTime: '2-3h',
    typicalCost: '$5-8',
    tokenizer: 'llama2',
    providerModels: {
      together: 'mistralai/Mistral-7B-Instruct-v0.2',
      'self-hosted': 'mistralai/Mistral-7B-Instruct-v0.2',
      replicate: 'mistralai/mistral-7b-instruct-v0.2',
      ...simulator,
    },
  },
  {
    id: 'mixtral-8x7b',
    name: 'Mixtral 8x7B',
    family: 'mistral',
    parametersB: 46.7,
    contextTokens: 32_768,
    gpu: 'A100 80GB',
    gpuCount: 2,
    typicalTime: '6-10h',
    typicalCost: '$30-60',
    tokenizer: 'llama2',
    providerModels: {
      together: 'mistralai/Mixtral-8x7B-Instruct-v0.1',
      'self-hosted': 'mistralai/Mixtral-8x7B-Instruct-v0.1',
      ...simulator,
    },
  },
  {
    id: 'qwen-3-8b',
    name: 'Qwen 3 8B',
    family: 'qwen',
    parametersB: 8.2,
    contextTokens: 32_768,
    gpu: 'A100 40GB',
    gpuCount: 1,
    typicalTime: '2-4h',
    typicalCost: '$5-10',
    tokenizer: 'qwen3',
    providerModels: { together: 'Qwen/Qwen3-8B', 'self-hosted': 'Qwen/Qwen3-8B', ...simulator },
  },
  {
    id: 'qwen-3-32b',
    name: 'Qwen 3 32B',
    family: 'qwen',
    parametersB: 32.8,
    contextTokens: 32_768,
    gpu: 'A100 80GB',
    gpuCount: 2,
    typicalTime: '5-8h',
    typicalCost: '$25-50',
    tokenizer: 'qwen3',
    providerModels: { together: 'Qwen/Qwen3-32B', 'self-hosted': 'Qwen/Qwen3-32B', ...simulator },
  },
  {
    id: 'deepseek-r1-distill-llama-8b',
    name: 'DeepSeek R1 Distill Llama 8B',
    family: 'deepseek',
    parametersB: 8,
    contextTokens: 131_072,
    gpu: 'A100 40GB',
    gpuCount: 1,
    typicalTime: '2-4h',
    typicalCost: '$5-10',
    tokenizer: 'deepseek_v3',
    providerModels: {
      together: 'deepseek-ai/DeepSeek-R1-Distill-Llama-8B',
      'self-hosted': 'deepseek-ai/DeepSeek-R1-Distill-Llama-8B',
      ...simulator,
    },
  },
  // OpenAI trains only its own models; its size is undisclosed, so time estimates assume an 8B-class run.
  {
    id: 'gpt-4o-mini',
    name: 'GPT-4o mini',
    family: 'openai',
    parametersB: 8,
    contextTokens: 65_536,
    gpu: 'OpenAI managed',
    gpuCount: 1,
    typicalTime: '0.5-2h',
    typicalCost: 'per training token (OPENAI_PRICE_PER_1M_TOKENS)',
    tokenizer: 'o200k',
    providerModels: { openai: 'gpt-4o-mini-2024-07-18', ...simulator },
  },
  {
    id: 'gpt-4.1-mini',
    name: 'GPT-4.1 mini',
    family: 'openai',
    parametersB: 8,
    contextTokens: 65_536,
    gpu: 'OpenAI managed',
    gpuCount: 1,
    typicalTime: '0.5-2h',
    typicalCost: 'per training token (OPENAI_PRICE_PER_1M_TOKENS)',
    tokenizer: 'o200k',
    providerModels: { openai: 'gpt-4.1-mini-2025-04-14', ...simulator },
  },
  {
    id: 'crm-classifier',
    name: 'CRM classifier (local)',
    family: 'local',
    parametersB: 0.000001,
    contextTokens: 8_192,
    gpu: 'CPU',
    gpuCount: 1,
    typicalTime: 'seconds',
    typicalCost: '$0',
    tokenizer: 'llama3',
    providerModels: { local: 'softmax regression over local embeddings', ...simulator },
  },
];

export interface TrainingMethod {
  id: MethodName;
  name: string;
  description: string;
  recommended: boolean;
  providers: ProviderName[];
  /** Throughput against LoRA on the same hardware (measured on an H200 with Llama shapes; QLoRA published). */
  relativeSpeed: number;
}

export const trainingMethods: TrainingMethod[] = [
  {
    id: 'lora',
    name: 'LoRA',
    description: 'Low-Rank Adaptation: trains small adapter matrices; fast and memory efficient.',
    recommended: true,
    providers: ['together', 'replicate', 'self-hosted', 'simulator'],
    relativeSpeed: 1,
  },
  {
    id: 'qlora',
    name: 'QLoRA',
    description:
      'Quantized LoRA: LoRA on a 4-bit (NF4) base model; very low memory, 20–40% slower. Self-hosted workers run it where bitsandbytes 4-bit kernels work (GET …/trainers shows each worker).',
    recommended: false,
    providers: ['self-hosted', 'simulator'],
    relativeSpeed: 0.7,
  },
  {
    id: 'full',
    name: 'Full fine-tuning',
    description: 'Trains every parameter: highest quality, slowest, needs the most GPU memory.',
    recommended: false,
    providers: ['together', 'openai', 'self-hosted', 'local', 'simulator'],
    relativeSpeed: 0.6,
  },
  {
    id: 'prefix-tuning',
    name: 'Prefix-tuning',
    description: 'Learns virtual tokens prepended to every layer; efficient for narrow tasks.',
    recommended: false,
    providers: ['self-hosted', 'simulator'],
    relativeSpeed: 1.45,
  },
  {
    id: 'p-tuning',
    name: 'P-tuning',
    description: 'Learns a prompt encoder for virtual input tokens; prompt-based fine-tuning.',
    recommended: false,
    providers: ['self-hosted', 'simulator'],
    relativeSpeed: 1.35,
  },
];

export function findBaseModel(id: string): BaseModel | undefined {
  return baseModels.find((model) => model.id === id);
}

export function findMethod(id: string): TrainingMethod | undefined {
  return trainingMethods.find((method) => method.id === id);
}
