// The model engine: the agent's analytic findings and the records behind them go to the chat model, which
// must answer JSON matching the agent's output schema. An invalid answer gets one repair round with the
// validation error; if that fails too, or the endpoint fails after its retries, the analytic answer stands
// with a warning. Valid answers are cached 24 h by model, prompt and parameters.
import { z } from 'zod';
import type { ChatMessage, ChatModel } from '../../ai/chat/index.ts';
import type { CacheService } from '../../platform/cache/cache-service.ts';
import { describeIssues } from '../../platform/validation-issues.ts';
import type { Agent, AnalyticAnswer } from '../agent.ts';

export interface ModelAnswer<Output> {
  output: Output;
  engine: string;
  tokens?: { prompt: number; completion: number };
  warnings: string[];
  cached?: boolean;
}

const PARAMETERS = { temperature: 0 };
/** Records in the prompt keep their fields but not unbounded text. */
const FIELD_LIMIT = 600;

export class ModelEngine {
  constructor(
    private readonly chat: ChatModel,
    private readonly cache: CacheService,
  ) {}

  get model(): string {
    return this.chat.model;
  }

  async answer<Output>(
    agent: Agent<unknown, Output>,
    workspaceId: string,
    analytic: AnalyticAnswer<Output>,
    signal?: AbortSignal,
  ): Promise<ModelAnswer<Output>> {
    const messages = prompt(agent, analytic);
    const cacheOptions = { model: this.chat.model, parameters: PARAMETERS, workspaceId };
    const cached = await this.cache.getCachedAIResponse<ModelAnswer<Output>>(messages, cacheOptions);
    if (cached) return { ...cached, cached: true };

    const schema = z.toJSONSchema(agent.output, { target: 'draft-7' }) as object;
    const tokens = { prompt: 0, completion: 0 };
    const conversation = [...messages];
    let lastError = '';
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const completion = await this.chat.complete(conversation, {
          jsonSchema: { name: agent.name, schema },
          signal,
          ...PARAMETERS,
        });
        tokens.prompt += completion.promptTokens;
        tokens.completion += completion.completionTokens;
        const parsed = parseOutput(agent, completion.content);
        if (parsed.success) {
          const answer: ModelAnswer<Output> = {
            output: parsed.data,
            engine: completion.model,
            tokens,
            warnings: [],
          };
          await this.cache.cacheAIResponse(messages, answer, cacheOptions);
          return answer;
        }
        lastError = parsed.error;
        conversation.push(
          { role: 'assistant', content: completion.content },
          {
            role: 'user',
            content: `That answer is not valid: ${parsed.error}. Reply with only the corrected JSON object.`,
          },
        );
      }
    } catch (error) {
      return fallback(
        analytic,
        tokens,
        `the model endpoint failed (${(error as Error).message}); analytic answer given`,
      );
    }
    return fallback(
      analytic,
      tokens,
      `the model's answer failed validation twice (${lastError}); analytic answer given`,
    );
  }
}

function fallback<Output>(
  analytic: AnalyticAnswer<Output>,
  tokens: { prompt: number; completion: number },
  warning: string,
): ModelAnswer<Output> {
  return { output: analytic.output, engine: 'analytic', tokens, warnings: [warning] };
}

function parseOutput<Output>(
  agent: Agent<unknown, Output>,
  content: string,
): { success: true; data: Output } | { success: false; error: string } {
  let json: unknown;
  try {
    // Some servers wrap JSON in a Markdown fence even when asked for a schema.
    json = JSON.parse(content.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, ''));
  } catch (error) {
    return { success: false, error: `not JSON (${(error as Error).message})` };
  }
  const result = agent.output.safeParse(json);
  if (result.success) return { success: true, data: result.data };
  return {
    success: false,
    error: describeIssues(result.error, '(root)', 5),
  };
}

function prompt<Output>(agent: Agent<unknown, Output>, analytic: AnalyticAnswer<Output>): ChatMessage[] {
  const records = analytic.records.map(({ entityType, record }) => ({
    type: entityType,
    ...Object.fromEntries(
      Object.entries(record).map(([key, value]) => [
        key,
        typeof value === 'string' && value.length > FIELD_LIMIT ? `${value.slice(0, FIELD_LIMIT)}…` : value,
      ]),
    ),
  }));
  return [
    {
      role: 'system',
      content: `You are the ${agent.name} agent of a CRM. ${agent.description} ${agent.instructions} Use only the findings and records given; answer with one JSON object that matches the schema.`,
    },
    {
      role: 'user',
      content: JSON.stringify({ findings: analytic.output, records }),
    },
  ];
}
