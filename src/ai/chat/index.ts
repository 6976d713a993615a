// The chat model for a spec, one line per protocol.
import type { ChatModel } from './chat-model.ts';
import { OpenAiCompatibleChat } from './openai-compatible.ts';
import { ReplicateChat } from './replicate.ts';

export interface ChatModelSpec {
  /** `openai-chat`: an OpenAI-compatible /chat/completions; `replicate-prediction`: Replicate predictions. */
  protocol: 'openai-chat' | 'replicate-prediction';
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

export function createChatModel(spec: ChatModelSpec): ChatModel {
  return spec.protocol === 'replicate-prediction' ? new ReplicateChat(spec) : new OpenAiCompatibleChat(spec);
}

export type { ChatCompletion, ChatMessage, ChatModel } from './chat-model.ts';
