// What every chat model offers, whichever protocol serves it: messages in, a completion with token counts out,
// optionally constrained to a JSON schema.

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatCompletion {
  content: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
}

/** What the model engine needs from a chat model, whichever protocol serves it. */
export interface ChatModel {
  readonly model: string;
  complete(
    messages: readonly ChatMessage[],
    options?: { jsonSchema?: { name: string; schema: object }; temperature?: number; signal?: AbortSignal },
  ): Promise<ChatCompletion>;
}
