// A model trained on Replicate, called through predictions (provider-contracts.md §3.7): the conversation is
// rendered into one prompt, `Prefer: wait` holds the request open until the prediction ends, and a
// prediction still running after that is polled. Replicate's language models report token counts in
// `metrics`.
import { requestJson } from '../../platform/json-client.ts';
import { traced } from '../../platform/observability/tracing.ts';
import { sleep } from '../../platform/retry.ts';
import type { ChatCompletion, ChatMessage, ChatModel } from './chat-model.ts';

interface Prediction {
  id: string;
  status: string;
  output?: string[] | string | null;
  error?: string | null;
  urls?: { get?: string };
  metrics?: { input_token_count?: number; output_token_count?: number };
}

const POLL_MS = 1000;

export interface ReplicateChatOptions {
  baseUrl: string;
  apiKey?: string;
  /** `owner/name:version` */
  model: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class ReplicateChat implements ChatModel {
  constructor(private readonly options: ReplicateChatOptions) {}

  get model(): string {
    return this.options.model;
  }

  complete(
    messages: readonly ChatMessage[],
    options: { temperature?: number; signal?: AbortSignal } = {},
  ): Promise<ChatCompletion> {
    return traced('model.chat', 'model', () => this.predict(messages, options), {
      'gen_ai.request.model': this.options.model,
    });
  }

  private async predict(
    messages: readonly ChatMessage[],
    options: { temperature?: number; signal?: AbortSignal },
  ): Promise<ChatCompletion> {
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    const call = <T>(method: 'GET' | 'POST', url: string, body?: unknown, headers?: Record<string, string>) =>
      requestJson<T>(url, {
        method,
        body,
        headers,
        apiKey: this.options.apiKey,
        timeoutMs,
        retries: 2,
        signal: options.signal,
        fetch: this.options.fetch,
        what: 'Replicate model',
      });
    const version = this.options.model.split(':')[1] ?? this.options.model;
    let prediction = await call<Prediction>(
      'POST',
      `${this.options.baseUrl.replace(/\/+$/, '')}/predictions`,
      {
        version,
        input: {
          prompt: renderPrompt(messages),
          temperature: options.temperature ?? 0,
          max_new_tokens: 1024,
        },
      },
      { prefer: `wait=${Math.min(60, Math.ceil(timeoutMs / 1000))}` },
    );
    const deadline = Date.now() + timeoutMs;
    while (!['succeeded', 'failed', 'canceled'].includes(prediction.status) && Date.now() < deadline) {
      await sleep(POLL_MS);
      prediction = await call<Prediction>('GET', prediction.urls!.get!);
    }
    if (prediction.status !== 'succeeded')
      throw new Error(
        `Replicate prediction ${prediction.id} ${prediction.status}: ${prediction.error ?? 'no output'}`,
      );
    const output = Array.isArray(prediction.output) ? prediction.output.join('') : (prediction.output ?? '');
    return {
      content: output,
      model: this.options.model,
      promptTokens: prediction.metrics?.input_token_count ?? 0,
      completionTokens: prediction.metrics?.output_token_count ?? 0,
    };
  }
}

/** A plain transcript: Replicate's trainers learn from prompt/completion text, not a chat template. */
function renderPrompt(messages: readonly ChatMessage[]): string {
  const names = { system: 'System', user: 'User', assistant: 'Assistant' } as const;
  return `${messages.map((message) => `${names[message.role]}: ${message.content}`).join('\n\n')}\n\nAssistant:`;
}
