// What the three provider test servers share: a training run that moves one phase per poll of the job (so a
// test controls time by polling), logs a falling loss, and can be scripted to fail or be cancelled; and the
// JSONL checks the providers document (provider-contracts.md §1.3, §2.3, §3.3).

import { chatCompletionBody } from '../chat-server.ts';

export type Phase =
  | 'pending'
  | 'queued'
  | 'running'
  | 'finishing'
  | 'succeeded'
  | 'failed'
  | 'cancelling'
  | 'cancelled';

export interface RunScript {
  /** Steps the run trains for. */
  totalSteps: number;
  /** Steps logged per poll while running. */
  stepsPerPoll: number;
  /** The run fails when it reaches this step. */
  failAtStep?: number;
}

export interface LoggedStep {
  step: number;
  loss: number;
  learningRate: number;
  evalLoss?: number;
}

export class FakeRun {
  phase: Phase = 'pending';
  step = 0;
  readonly logged: LoggedStep[] = [];
  error?: string;
  readonly createdAt = new Date();

  constructor(
    readonly id: string,
    readonly request: Record<string, unknown>,
    private readonly script: RunScript,
  ) {}

  /** One poll's worth of progress. */
  advance(): void {
    switch (this.phase) {
      case 'pending':
        this.phase = 'queued';
        return;
      case 'queued':
        this.phase = 'running';
        return;
      case 'cancelling':
        this.phase = 'cancelled';
        return;
      case 'finishing':
        this.phase = 'succeeded';
        return;
      case 'running':
        for (let i = 0; i < this.script.stepsPerPoll && this.step < this.script.totalSteps; i++) {
          this.step++;
          if (this.script.failAtStep !== undefined && this.step >= this.script.failAtStep) {
            this.phase = 'failed';
            this.error = 'CUDA out of memory while training (scripted failure)';
            return;
          }
          const progress = this.step / this.script.totalSteps;
          this.logged.push({
            step: this.step,
            loss: Number((2.1 * Math.exp(-2 * progress) + 0.3).toFixed(4)),
            learningRate: Number((1e-4 * (1 - progress)).toExponential(3)),
            ...(this.step === this.script.totalSteps ? { evalLoss: 0.55 } : {}),
          });
        }
        if (this.step >= this.script.totalSteps) this.phase = 'finishing';
        return;
      default:
        return;
    }
  }

  cancel(): void {
    if (!['succeeded', 'failed', 'cancelled'].includes(this.phase)) this.phase = 'cancelling';
  }

  get terminal(): boolean {
    return ['succeeded', 'failed', 'cancelled'].includes(this.phase);
  }
}

export type JsonlFormat = 'messages' | 'prompt-completion' | 'text' | 'any';

/** The first problem in a training file, or undefined when every line is valid. */
export function jsonlProblem(text: string, format: JsonlFormat): string | undefined {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return 'the file has no examples';
  let seen: string | undefined;
  for (const [index, line] of lines.entries()) {
    let example: Record<string, unknown>;
    try {
      example = JSON.parse(line);
    } catch {
      return `line ${index + 1} is not JSON`;
    }
    const kind =
      'messages' in example
        ? 'messages'
        : 'prompt' in example
          ? 'prompt-completion'
          : 'text' in example
            ? 'text'
            : undefined;
    if (!kind) return `line ${index + 1} has none of messages, prompt/completion or text`;
    if (format !== 'any' && kind !== format) return `line ${index + 1} is ${kind}, expected ${format}`;
    if (seen && kind !== seen) return `line ${index + 1} is ${kind}; earlier lines are ${seen}`;
    seen = kind;
    if (kind === 'messages') {
      const messages = example.messages as { role: string; content: unknown }[];
      if (!Array.isArray(messages) || !messages.some((message) => message.role === 'assistant'))
        return `line ${index + 1} has no assistant message`;
      if (
        messages.some(
          (m) => !['system', 'user', 'assistant'].includes(m.role) || typeof m.content !== 'string',
        )
      )
        return `line ${index + 1} has a message with an unknown role or non-string content`;
    }
    if (
      kind === 'prompt-completion' &&
      (typeof example.prompt !== 'string' || typeof example.completion !== 'string')
    )
      return `line ${index + 1}: prompt and completion must be strings`;
  }
  return undefined;
}

/** The bearer token of a request, accepting Replicate's `Token` scheme too. */
export function bearer(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers.authorization;
  return typeof value === 'string' ? value.replace(/^(Bearer|Token)\s+/i, '') : undefined;
}

/** A "model" answer for agent prompts: the analytic findings it was given, always schema-valid. */
export function findingsOf(messages: { role: string; content: string }[]): string {
  const user = messages.find((message) => message.role === 'user');
  return JSON.stringify((JSON.parse(user!.content) as { findings: unknown }).findings);
}

/**
 * A fine-tuned model answering an agent prompt over OpenAI's chat completions shape (both OpenAI and
 * Together serve it): the findings it was given, always schema-valid.
 */
export function chatCompletionReply(body: { model: string; messages: { role: string; content: string }[] }) {
  return { status: 200, body: chatCompletionBody(body, findingsOf(body.messages)) };
}
