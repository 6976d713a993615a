// Training examples of each dataset type, how JSONL lines are read into them, and how they are written out
// in the formats the providers accept: chat `messages`, `prompt`/`completion`, or plain `text`.
import { z } from 'zod';
import { describeIssues } from '../../platform/validation-issues.ts';

export const datasetTypes = [
  'instruction',
  'chat',
  'completion',
  'classification',
  'qa',
  'summarization',
] as const;
export type DatasetType = (typeof datasetTypes)[number];

const message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }).strict();

export const exampleSchemas = {
  instruction: z
    .object({ instruction: z.string(), input: z.string().default(''), output: z.string() })
    .strict(),
  chat: z.object({ messages: z.array(message).min(1) }).strict(),
  completion: z.object({ prompt: z.string(), completion: z.string() }).strict(),
  classification: z
    .object({
      text: z.string(),
      label: z.string(),
      /** The record the example was built from (workspace datasets): the local classifier reads its fields. */
      record: z
        .object({ type: z.enum(['lead', 'deal']), id: z.string() })
        .strict()
        .optional(),
    })
    .strict(),
  qa: z.object({ question: z.string(), context: z.string().default(''), answer: z.string() }).strict(),
  summarization: z.object({ document: z.string(), summary: z.string() }).strict(),
} as const;

export type Example<T extends DatasetType = DatasetType> = z.infer<(typeof exampleSchemas)[T]>;
export type AnyExample = { [T in DatasetType]: z.infer<(typeof exampleSchemas)[T]> }[DatasetType];

export type ExportFormat = 'messages' | 'prompt-completion' | 'text';

const SYSTEM = 'You are the CRM assistant of this workspace.';

/** The example as a conversation: every type can be, which is what chat-only providers need. */
export function asMessages(type: DatasetType, example: AnyExample): { role: string; content: string }[] {
  const e = example as Record<string, unknown>;
  switch (type) {
    case 'chat':
      return e.messages as { role: string; content: string }[];
    case 'instruction':
      return [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: e.input ? `${e.instruction}\n\n${e.input}` : String(e.instruction) },
        { role: 'assistant', content: String(e.output) },
      ];
    case 'completion':
      return [
        { role: 'user', content: String(e.prompt) },
        { role: 'assistant', content: String(e.completion) },
      ];
    case 'classification':
      return [
        { role: 'system', content: `${SYSTEM} Answer with the label only.` },
        { role: 'user', content: String(e.text) },
        { role: 'assistant', content: String(e.label) },
      ];
    case 'qa':
      return [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: e.context ? `${e.context}\n\nQuestion: ${e.question}` : String(e.question) },
        { role: 'assistant', content: String(e.answer) },
      ];
    case 'summarization':
      return [
        { role: 'system', content: `${SYSTEM} Summarise the document.` },
        { role: 'user', content: String(e.document) },
        { role: 'assistant', content: String(e.summary) },
      ];
  }
}

/** One JSONL line in a provider's format. */
export function exportLine(
  type: DatasetType,
  example: AnyExample,
  format: ExportFormat,
): Record<string, unknown> {
  const messages = asMessages(type, example);
  if (format === 'messages') return { messages };
  const prompt = messages
    .filter((m) => m.role !== 'assistant')
    .map((m) => m.content)
    .join('\n\n');
  const completion = messages
    .filter((m) => m.role === 'assistant')
    .map((m) => m.content)
    .join('\n\n');
  if (format === 'prompt-completion') return { prompt, completion };
  return { text: `${prompt}\n\n${completion}` };
}

/** The text a model reads and writes for an example: what tokens are counted over. */
export function exampleText(type: DatasetType, example: AnyExample): { input: string; output: string } {
  const messages = asMessages(type, example);
  return {
    input: messages
      .filter((m) => m.role !== 'assistant')
      .map((m) => m.content)
      .join('\n'),
    output: messages
      .filter((m) => m.role === 'assistant')
      .map((m) => m.content)
      .join('\n'),
  };
}

/** Reads one uploaded JSONL object as an example of the dataset's type, accepting the providers' formats too. */
export function readExample(
  type: DatasetType,
  line: unknown,
): { ok: true; example: AnyExample } | { ok: false; error: string } {
  if (!line || typeof line !== 'object' || Array.isArray(line))
    return { ok: false, error: 'not a JSON object' };
  const raw = line as Record<string, unknown>;
  let candidate: unknown = raw;
  // Provider formats map onto our types: chat lines for chat, prompt/completion for completion.
  if (type === 'completion' && typeof raw.text === 'string' && !('prompt' in raw)) {
    candidate = { prompt: '', completion: raw.text };
  }
  const parsed = exampleSchemas[type].safeParse(candidate);
  if (parsed.success) return { ok: true, example: parsed.data as AnyExample };
  return {
    ok: false,
    error: describeIssues(parsed.error, '(line)'),
  };
}
