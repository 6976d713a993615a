// Any OpenAI-compatible chat completions endpoint (OpenAI, Together, Ollama, vLLM, llama.cpp server, or a
// model deployed by the fine-tuning pipeline): JSON-schema structured output, the shared retry policy,
// token counts from `usage`.
import { postJson } from '../../platform/json-client.ts';
import { traced } from '../../platform/observability/tracing.ts';
import type { ChatCompletion, ChatMessage, ChatModel } from './chat-model.ts';

export interface ChatClientOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs?: number;
  retries?: number;
  fetch?: typeof fetch;
}

interface CompletionsResponse {
  model?: string;
  choices: { message: { content: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export class OpenAiCompatibleChat implements ChatModel {
  private readonly url: URL;

  constructor(private readonly options: ChatClientOptions) {
    const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    this.url = new URL('chat/completions', base);
  }

  get model(): string {
    return this.options.model;
  }

  async complete(
    messages: readonly ChatMessage[],
    options: {
      jsonSchema?: { name: string; schema: object };
      temperature?: number;
      signal?: AbortSignal;
    } = {},
  ): Promise<ChatCompletion> {
    const response = await traced(
      'model.chat',
      'model',
      () =>
        postJson<CompletionsResponse>(
          this.url,
          {
            model: this.options.model,
            messages,
            temperature: options.temperature ?? 0,
            ...(options.jsonSchema
              ? {
                  response_format: {
                    type: 'json_schema',
                    json_schema: { ...options.jsonSchema, strict: false },
                  },
                }
              : {}),
          },
          {
            apiKey: this.options.apiKey,
            timeoutMs: this.options.timeoutMs ?? 60_000,
            retries: this.options.retries ?? 3,
            signal: options.signal,
            fetch: this.options.fetch,
            what: 'chat model',
          },
        ),
      { 'gen_ai.request.model': this.options.model },
    );
    return {
      content: response.choices[0]?.message.content ?? '',
      model: response.model ?? this.options.model,
      promptTokens: response.usage?.prompt_tokens ?? 0,
      completionTokens: response.usage?.completion_tokens ?? 0,
    };
  }
}
