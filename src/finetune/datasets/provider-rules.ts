// Each provider's rules for a training file, checked before anything is uploaded (provider-contracts.md):
// the formats it reads, the minimum number of examples, and per-example constraints.
import type { ProviderName } from '../catalog.ts';
import { type AnyExample, asMessages, type DatasetType, type ExportFormat } from './examples.ts';

export interface ProviderCheck {
  provider: ProviderName;
  valid: boolean;
  format: ExportFormat | 'classification';
  errors: string[];
}

interface Rules {
  format: ProviderCheck['format'];
  minExamples: number;
  types?: readonly DatasetType[];
  /** Every chat example needs an assistant turn to learn from. */
  needsAssistantTurn?: boolean;
}

const RULES: Record<ProviderName, Rules> = {
  // Together reads conversational, instruction (prompt/completion) and generic text JSONL.
  together: { format: 'messages', minExamples: 1, needsAssistantTurn: true },
  // OpenAI's supervised fine-tuning reads chat JSONL only and needs at least 10 examples.
  openai: { format: 'messages', minExamples: 10, needsAssistantTurn: true },
  // Replicate's language-model trainers read prompt/completion JSONL.
  replicate: { format: 'prompt-completion', minExamples: 1 },
  // The local trainer learns classifiers only, and needs both classes represented.
  // The self-hosted worker trains on conversations laid out with the model's chat template.
  'self-hosted': { format: 'messages', minExamples: 1, needsAssistantTurn: true },
  local: { format: 'classification', minExamples: 20, types: ['classification'] },
  simulator: { format: 'messages', minExamples: 1 },
};

export function checkForProvider(
  provider: ProviderName,
  type: DatasetType,
  examples: readonly AnyExample[],
): ProviderCheck {
  const rules = RULES[provider];
  const errors: string[] = [];
  if (rules.types && !rules.types.includes(type)) {
    errors.push(`${provider} trains ${rules.types.join(', ')} datasets only, not ${type}`);
  }
  if (examples.length < rules.minExamples) {
    errors.push(
      `${provider} needs at least ${rules.minExamples} examples; the dataset has ${examples.length}`,
    );
  }
  if (rules.needsAssistantTurn) {
    const missing = examples.flatMap((example, i) =>
      asMessages(type, example).some((m) => m.role === 'assistant' && m.content.trim().length > 0)
        ? []
        : [i + 1],
    );
    if (missing.length > 0) {
      errors.push(
        `examples without an assistant reply (${missing.length}): ${missing.slice(0, 10).join(', ')}`,
      );
    }
  }
  if (provider === 'local' && type === 'classification') {
    const labels = new Set(examples.map((example) => (example as { label: string }).label));
    if (labels.size < 2) errors.push('the local classifier needs at least two labels');
  }
  return { provider, valid: errors.length === 0, format: rules.format, errors };
}

export function exportFormatFor(provider: ProviderName): ExportFormat {
  const format = RULES[provider].format;
  return format === 'classification' ? 'messages' : format;
}
