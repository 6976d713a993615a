// What a rule is (validated at the boundary by these schemas): a trigger, agent steps with inputs drawn from
// the record, and actions on the result, each optionally conditional on the answer. Also how conditions are
// evaluated and `{{record.field}}` / `{{answers.step.path}}` templates filled, the only logic rules contain.
import { z } from 'zod';
import { agentNames } from '../agents/agent.ts';
import { entityTypeNames } from '../crm/records/entity-types.ts';

const path = z
  .string()
  .regex(
    /^[A-Za-z_][\w]*(\.[\w-]+)*$/,
    'a dotted path such as status, custom.region or answers.qualify.score',
  )
  .max(200);
const operators = [
  'eq',
  'neq',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'exists',
  'olderThanDays',
] as const;

export const conditionSchema = z
  .object({
    field: path,
    op: z.enum(operators).default('eq'),
    value: z
      .union([
        z.string().max(500),
        z.number(),
        z.boolean(),
        z.array(z.union([z.string(), z.number()])).max(50),
      ])
      .optional(),
  })
  .strict();
export type Condition = z.infer<typeof conditionSchema>;

const conditions = z.array(conditionSchema).max(20).default([]);

export const triggerSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('record'),
      entityType: z.enum(entityTypeNames),
      on: z
        .array(z.enum(['created', 'updated']))
        .min(1)
        .default(['created']),
      conditions,
    })
    .strict(),
  z
    .object({
      kind: z.literal('schedule'),
      entityType: z.enum(entityTypeNames),
      everyMinutes: z.number().int().min(1).max(10_080),
      conditions,
    })
    .strict(),
  z
    .object({
      kind: z.literal('score'),
      entityType: z.enum(['lead', 'deal']),
      /** Fires when a record's learned score (0–100) crosses the threshold in this direction. */
      direction: z.enum(['above', 'below']).default('above'),
      threshold: z.number().int().min(0).max(100),
      conditions,
    })
    .strict(),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const stepSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z][\w-]*$/)
      .max(60),
    agent: z.enum(agentNames),
    /** Values may be templates: {"leadId": "{{record.id}}"}. */
    input: z.record(z.string().max(60), z.unknown()).default({}),
  })
  .strict();

const when = z.array(conditionSchema).max(10).optional();
export const actionSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('update_record'),
      /** Field values, templates allowed; `custom.x` sets a custom field. */
      fields: z.record(z.string().max(100), z.unknown()),
      when,
    })
    .strict(),
  z
    .object({
      type: z.literal('create_activity'),
      activityType: z.enum(['note', 'task', 'call', 'email', 'meeting']).default('note'),
      subject: z.string().min(1).max(300),
      notes: z.string().max(10_000).optional(),
      when,
    })
    .strict(),
  z.object({ type: z.literal('webhook'), url: z.url().max(2000), when }).strict(),
]);
export type Action = z.infer<typeof actionSchema>;

export const ruleDefinitionSchema = z
  .object({
    trigger: triggerSchema,
    steps: z.array(stepSchema).max(10).default([]),
    /** None: the rule observes (its runs record the agents' answers). */
    actions: z.array(actionSchema).max(10).default([]),
    requiresApproval: z.boolean().default(false),
    /** Runs started per minute at most; more wait their turn (none is dropped). */
    maxRunsPerMinute: z.number().int().min(1).max(10_000).default(60),
  })
  .strict()
  .refine((rule) => new Set(rule.steps.map((step) => step.name)).size === rule.steps.length, {
    message: 'step names must be unique',
  });
export type RuleDefinition = z.infer<typeof ruleDefinitionSchema>;

/** The value at a dotted path (`custom.region`, `answers.qualify.score.value`). */
export function valueAt(scope: Record<string, unknown>, dotted: string): unknown {
  let current: unknown = scope;
  for (const key of dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const DAY_MS = 86_400_000;

export function holds(condition: Condition, scope: Record<string, unknown>, now = Date.now()): boolean {
  const actual = valueAt(scope, condition.field);
  const expected = condition.value;
  switch (condition.op) {
    case 'exists':
      return (actual !== undefined && actual !== null && actual !== '') === (expected ?? true);
    case 'eq':
      return actual === expected || String(actual) === String(expected);
    case 'neq':
      return !(actual === expected || String(actual) === String(expected));
    case 'in':
      return Array.isArray(expected) && expected.some((item) => String(item) === String(actual));
    case 'contains':
      return Array.isArray(actual)
        ? actual.some((item) => String(item) === String(expected))
        : String(actual ?? '')
            .toLowerCase()
            .includes(String(expected ?? '').toLowerCase());
    case 'olderThanDays': {
      const at = Date.parse(String(actual ?? ''));
      return Number.isFinite(at) && now - at > Number(expected) * DAY_MS;
    }
    default: {
      const a = Number(actual);
      const b = Number(expected);
      if (actual === null || actual === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return false;
      return condition.op === 'gt'
        ? a > b
        : condition.op === 'gte'
          ? a >= b
          : condition.op === 'lt'
            ? a < b
            : a <= b;
    }
  }
}

export const allHold = (list: readonly Condition[] | undefined, scope: Record<string, unknown>) =>
  (list ?? []).every((condition) => holds(condition, scope));

/**
 * Fills `{{path}}` templates: a value that is exactly one template keeps the value's type (a number stays a
 * number); templates inside text are written as text. Objects and arrays are filled throughout.
 */
export function fill(value: unknown, scope: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([\w.-]+)\s*\}\}$/.exec(value);
    if (whole) return valueAt(scope, whole[1]!) ?? null;
    return value.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, key: string) => {
      const found = valueAt(scope, key);
      return found === undefined || found === null
        ? ''
        : typeof found === 'object'
          ? JSON.stringify(found)
          : String(found);
    });
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, scope));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, scope)]));
  return value;
}
