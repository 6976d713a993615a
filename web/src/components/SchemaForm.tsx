// A form generated from a JSON Schema (the agents list publishes each agent's input this way): text, long
// text, numbers and choices; record ids as a record picker with search; lists of objects as repeatable
// groups; name → number maps as "name: value" lines. What is left empty is left out of the value.
import { useId } from 'react';
import { RecordPicker } from './records.tsx';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  minItems?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  additionalProperties?: JsonSchema | boolean;
  description?: string;
}

type Value = Record<string, unknown>;

/** Fields that hold a record's id, and the record type they point at. */
const RECORD_FIELDS: Record<string, string> = { leadId: 'lead', dealId: 'deal', customerId: 'contact' };

/** "qualityScore" → "Quality score". */
export function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The starting value of a schema: its defaults, and the least number of list items it needs. */
export function initialValue(schema: JsonSchema): Value {
  const value: Value = {};
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    if (field.default !== undefined) value[name] = field.default;
    else if (field.type === 'array' && field.items?.type === 'object')
      value[name] = Array.from({ length: field.minItems ?? 0 }, () => initialValue(field.items!));
  }
  return value;
}

export function SchemaForm({
  schema,
  value,
  onChange,
  workspaceId,
}: {
  schema: JsonSchema;
  value: Value;
  onChange: (value: Value) => void;
  workspaceId: string;
}) {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {});
  if (fields.length === 0) return <p className="muted">This agent needs no input.</p>;
  return (
    <div className="grid schema-form">
      {fields.map(([name, field]) => (
        <Field
          key={name}
          name={name}
          schema={field}
          required={required.has(name)}
          value={value[name]}
          siblings={value}
          workspaceId={workspaceId}
          onChange={(next) => {
            const copy = { ...value };
            if (next === undefined || next === '') delete copy[name];
            else copy[name] = next;
            // The record id belongs to the type chosen: another type makes it meaningless.
            if (name === 'entityType') delete copy.entityId;
            onChange(copy);
          }}
        />
      ))}
    </div>
  );
}

function Field({
  name,
  schema,
  required,
  value,
  siblings,
  workspaceId,
  onChange,
}: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  siblings: Value;
  workspaceId: string;
  onChange: (value: unknown) => void;
}) {
  const id = useId();
  const label = `${humanize(name)}${required ? '' : ' (optional)'}`;
  const recordTypeName =
    RECORD_FIELDS[name] ??
    (name === 'entityId' && typeof siblings.entityType === 'string' ? siblings.entityType : undefined);

  if (recordTypeName)
    // "Lead", not "Lead id": people pick the record, the form sends its id.
    return (
      <div className="span">
        <RecordPicker
          workspaceId={workspaceId}
          type={recordTypeName}
          value={typeof value === 'string' ? value : ''}
          onChange={onChange}
          label={`${name === 'entityId' ? 'Record' : humanize(name.replace(/Id$/, ''))}${required ? '' : ' (optional)'}`}
          name={name}
        />
      </div>
    );
  if (name === 'entityId')
    return <p className="muted span">Choose a record type to pick the {humanize(name).toLowerCase()}.</p>;

  if (schema.enum)
    return (
      <label htmlFor={id}>
        {label}
        <select
          id={id}
          name={name}
          value={String(value ?? '')}
          onChange={(e) => onChange(e.target.value || undefined)}
        >
          <option value="">{required ? 'Choose…' : '—'}</option>
          {schema.enum.map((option) => (
            <option key={String(option)} value={String(option)}>
              {humanize(String(option))}
            </option>
          ))}
        </select>
      </label>
    );

  if (schema.type === 'number' || schema.type === 'integer')
    return (
      <label htmlFor={id}>
        {label}
        <input
          id={id}
          name={name}
          type="number"
          min={schema.minimum}
          max={schema.maximum}
          step={schema.type === 'integer' ? 1 : 'any'}
          value={typeof value === 'number' ? value : ''}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      </label>
    );

  if (schema.type === 'array' && schema.items?.type === 'object')
    return (
      <ObjectList
        name={name}
        label={label}
        schema={schema}
        value={Array.isArray(value) ? (value as Value[]) : []}
        workspaceId={workspaceId}
        onChange={onChange}
      />
    );

  if (schema.type === 'object' && typeof schema.additionalProperties === 'object')
    return (
      <NumberMap
        id={id}
        name={name}
        label={label}
        value={value as Record<string, number>}
        onChange={onChange}
      />
    );

  const long = (schema.maxLength ?? 0) > 1000;
  return (
    <label htmlFor={id} className={long ? 'span' : undefined}>
      {label}
      {long ? (
        <textarea
          id={id}
          name={name}
          rows={4}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : (
        <input
          id={id}
          name={name}
          value={typeof value === 'string' ? value : ''}
          maxLength={schema.maxLength}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </label>
  );
}

/** A list of objects: one group of fields per item, added and removed by buttons. */
function ObjectList({
  name,
  label,
  schema,
  value,
  workspaceId,
  onChange,
}: {
  name: string;
  label: string;
  schema: JsonSchema;
  value: Value[];
  workspaceId: string;
  onChange: (value: Value[]) => void;
}) {
  const item = schema.items!;
  const singular = humanize(name).replace(/s$/, '').toLowerCase();
  return (
    <fieldset className="span object-list">
      <legend>{label}</legend>
      {value.map((entry, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: items have no identity of their own
        <div key={index} className="object-item">
          <SchemaForm
            schema={item}
            value={entry}
            workspaceId={workspaceId}
            onChange={(next) => onChange(value.map((old, i) => (i === index ? next : old)))}
          />
          <button
            type="button"
            className="link"
            disabled={value.length <= (schema.minItems ?? 0)}
            onClick={() => onChange(value.filter((_, i) => i !== index))}
          >
            Remove {singular} {index + 1}
          </button>
        </div>
      ))}
      <button type="button" className="secondary" onClick={() => onChange([...value, initialValue(item)])}>
        Add {singular}
      </button>
    </fieldset>
  );
}

/** Name → number pairs, one "name: value" per line. */
function NumberMap({
  id,
  name,
  label,
  value,
  onChange,
}: {
  id: string;
  name: string;
  label: string;
  value: Record<string, number> | undefined;
  onChange: (value: Record<string, number> | undefined) => void;
}) {
  const text = Object.entries(value ?? {})
    .map(([key, number]) => `${key}: ${number}`)
    .join('\n');
  return (
    <label htmlFor={id}>
      {label}
      <textarea
        id={id}
        name={name}
        rows={3}
        defaultValue={text}
        placeholder={'price: 12000\nfit: 8'}
        onChange={(event) => {
          const pairs = event.target.value
            .split('\n')
            .map((line) => /^\s*([^:]+?)\s*:\s*(-?[\d.]+)\s*$/.exec(line))
            .filter((match): match is RegExpExecArray => match !== null)
            .map((match) => [match[1]!, Number(match[2])] as const);
          onChange(pairs.length ? Object.fromEntries(pairs) : undefined);
        }}
      />
    </label>
  );
}
