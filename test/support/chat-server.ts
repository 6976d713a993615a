// A local server that follows the OpenAI chat completions contract (POST /v1/chat/completions): bearer
// auth, `{id, object:"chat.completion", model, choices:[{index, message:{role, content}, finish_reason}],
// usage}`, OpenAI's error shape. The test decides each answer with a function of the request (a "model"),
// and scripts failures (429 with Retry-After, 500) through the contract server.
import { randomUUID } from 'node:crypto';
import { type ContractServer, startContractServer } from './contract-server.ts';

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; schema: object } };
}

export interface ChatServer extends ContractServer {
  /** Sets how the "model" answers from now on. */
  answerWith(model: (body: ChatRequestBody, call: number) => string): void;
  completions: ChatRequestBody[];
}

export async function startChatServer(options: { apiKey: string }): Promise<ChatServer> {
  let model: (body: ChatRequestBody, call: number) => string = () => '{}';
  const completions: ChatRequestBody[] = [];
  const server = await startContractServer((request) => {
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return { status: 404, body: { error: { message: 'Unknown route', type: 'invalid_request_error' } } };
    }
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return {
        status: 401,
        body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } },
      };
    }
    const body = request.body as ChatRequestBody;
    if (!body?.model || !Array.isArray(body.messages) || body.messages.length === 0) {
      return {
        status: 400,
        body: { error: { message: "'model' and 'messages' are required", type: 'invalid_request_error' } },
      };
    }
    completions.push(body);
    return { status: 200, body: chatCompletionBody(body, model(body, completions.length)) };
  });
  return Object.assign(server, {
    completions,
    answerWith(next: typeof model) {
      model = next;
    },
  });
}

/** A "model" that returns the analytic findings it was given: always schema-valid. */
export function echoFindings(body: ChatRequestBody): string {
  const user = body.messages.find((message) => message.role === 'user');
  return JSON.stringify((JSON.parse(user!.content) as { findings: unknown }).findings);
}

/** OpenAI's chat completion for `content`, with token counts estimated at four characters a token. */
export function chatCompletionBody(request: ChatRequestBody, content: string) {
  const promptTokens = Math.ceil(
    request.messages.reduce((sum, message) => sum + message.content.length, 0) / 4,
  );
  const completionTokens = Math.ceil(content.length / 4);
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}
