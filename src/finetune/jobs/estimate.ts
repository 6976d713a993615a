// Time and cost of a training run from real numbers: the dataset's token count (its model's tokenizer) ×
// epochs, over throughput measured on an H200 (Llama 3 8B LoRA: 6,093 tokens/s at sequence 2048), scaled
// by parameter count, method and GPU class; prices come from configuration. The range is ±30%: the
// measurement is one shape on one GPU, and real runs add data loading, evaluation and queueing.
import type { BaseModel, ProviderName, TrainingMethod } from '../catalog.ts';

export interface PriceConfig {
  /** USD per GPU-hour of the model's GPU class (A100), for self-hosted and simulated runs. */
  gpuHourUsd: number;
  /** USD per million training tokens (tokens × epochs), as hosted providers bill. */
  perMillionTokensUsd: Partial<Record<ProviderName, number>>;
}

export interface Estimate {
  trainingTokens: number;
  hours: { low: number; expected: number; high: number };
  costUsd: { low: number; expected: number; high: number };
  basis: string;
}

const H200_LORA_8B_TOKENS_PER_SEC = 6093;
const A100_VS_H200 = 0.32;
const MEASURED_PARAMS_B = 8;

/**
 * Self-hosted runs use the measured rate of each method itself (Llama 3.2 1B shape, H200, sequence 2048,
 * ../shared/reference/gpu-training-throughput.md and docs/self-hosted-training.md): the way the worker trains
 * (checkpointing on a GPU for LoRA, full and p-tuning; never for prefix-tuning). QLoRA is LoRA at the published
 * 0.7×. Until the worker's own loop is measured on a GPU, these plain-PyTorch figures stand in for it.
 */
const H200_1B_TOKENS_PER_SEC: Record<TrainingMethod['id'], number> = {
  lora: 25_727,
  qlora: 25_727 * 0.7,
  full: 40_384,
  'prefix-tuning': 55_240,
  'p-tuning': 51_271,
};
const MEASURED_1B_PARAMS_B = 1.24;

export function estimateRun(
  model: BaseModel,
  method: TrainingMethod,
  provider: ProviderName,
  datasetTokens: number,
  epochs: number,
  prices: PriceConfig,
): Estimate {
  const trainingTokens = datasetTokens * epochs;
  const perGpu =
    provider === 'self-hosted'
      ? H200_1B_TOKENS_PER_SEC[method.id] * A100_VS_H200 * (MEASURED_1B_PARAMS_B / model.parametersB)
      : H200_LORA_8B_TOKENS_PER_SEC *
        A100_VS_H200 *
        (MEASURED_PARAMS_B / model.parametersB) *
        method.relativeSpeed;
  const tokensPerSec = perGpu * model.gpuCount;
  const hours = trainingTokens / tokensPerSec / 3600;
  const perToken = prices.perMillionTokensUsd[provider];
  const cost =
    perToken !== undefined ? (trainingTokens / 1e6) * perToken : hours * prices.gpuHourUsd * model.gpuCount;
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  return {
    trainingTokens,
    hours: { low: round(hours * 0.7, 4), expected: round(hours, 4), high: round(hours * 1.3, 4) },
    // Four decimals: a small dataset costs fractions of a cent, which should not read as free.
    costUsd: { low: round(cost * 0.7, 4), expected: round(cost, 4), high: round(cost * 1.3, 4) },
    basis:
      perToken !== undefined
        ? `${trainingTokens.toLocaleString('en-US')} training tokens at $${perToken}/M (${provider} pricing from configuration); time from ${Math.round(tokensPerSec)} tokens/s on ${model.gpuCount}× ${model.gpu}`
        : `${Math.round(tokensPerSec)} tokens/s on ${model.gpuCount}× ${model.gpu} at $${prices.gpuHourUsd}/GPU-hour`,
  };
}
