// Records across the panel: the six types as the API names them, a record's title, links that open its page
// (titles are looked up once per record and remembered), and a record picker that searches as you type.
import { useEffect, useId, useState } from 'react';
import { get } from '../api/client.ts';

export type RecordRow = Record<string, unknown> & { id: string; createdAt?: string; updatedAt?: string };

export interface RecordType {
  name: string;
  plural: string;
  label: string;
  /** Columns with a fixed set of values the list can filter on. */
  filters: Record<string, readonly string[]>;
  sorts: readonly string[];
  /** Scored by the learned scorers (the score column and sort). */
  scored: boolean;
}

export const RECORD_TYPES: readonly RecordType[] = [
  { name: 'contact', plural: 'contacts', label: 'Contacts', filters: {}, sorts: ['name'], scored: false },
  {
    name: 'lead',
    plural: 'leads',
    label: 'Leads',
    filters: { status: ['new', 'contacted', 'qualified', 'converted', 'unqualified'] },
    sorts: ['name'],
    scored: true,
  },
  {
    name: 'deal',
    plural: 'deals',
    label: 'Deals',
    filters: {
      stage: ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'],
      status: ['open', 'won', 'lost'],
    },
    sorts: ['name', 'amount'],
    scored: true,
  },
  {
    name: 'activity',
    plural: 'activities',
    label: 'Activities',
    filters: { type: ['call', 'email', 'meeting', 'note', 'task'] },
    sorts: ['occurredAt'],
    scored: false,
  },
  {
    name: 'project',
    plural: 'projects',
    label: 'Projects',
    filters: { status: ['planned', 'active', 'on_hold', 'completed', 'cancelled'] },
    sorts: ['name'],
    scored: false,
  },
  { name: 'document', plural: 'documents', label: 'Documents', filters: {}, sorts: ['title'], scored: false },
];

export const recordType = (nameOrPlural: string): RecordType | undefined =>
  RECORD_TYPES.find((t) => t.name === nameOrPlural || t.plural === nameOrPlural);

export const recordPath = (workspaceId: string, type: string, id = '') =>
  `/api/workspaces/${workspaceId}/${recordType(type)?.plural ?? type}${id ? `/${encodeURIComponent(id)}` : ''}`;

export const recordHref = (type: string, id: string) =>
  `#/records/${recordType(type)?.plural ?? type}/${encodeURIComponent(id)}`;

/** What people call a record: its name, title or subject, else its type and date. */
export function recordTitle(record: RecordRow): string {
  const named = record.name ?? record.title ?? record.subject;
  if (typeof named === 'string' && named) return named;
  const type = typeof record.type === 'string' ? record.type : 'record';
  const when = record.occurredAt ?? record.createdAt;
  return typeof when === 'string' ? `${type} on ${when.slice(0, 10)}` : type;
}

// Titles seen this session, so that lists of evidence ask the server once per record.
const titles = new Map<string, Promise<string | null>>();

function titleOf(workspaceId: string, type: string, id: string): Promise<string | null> {
  const key = `${workspaceId}:${type}:${id}`;
  let title = titles.get(key);
  if (!title) {
    title = get<RecordRow>(recordPath(workspaceId, type, id)).then(recordTitle, () => null);
    titles.set(key, title);
  }
  return title;
}

/** A link to a record's page, showing its title (looked up when not given). */
export function RecordLink({
  workspaceId,
  type,
  id,
  title,
}: {
  workspaceId: string;
  type: string;
  id: string;
  title?: string;
}) {
  const [loaded, setLoaded] = useState<string | null | undefined>(title);
  useEffect(() => {
    if (title !== undefined) return;
    let current = true;
    void titleOf(workspaceId, type, id).then((found) => current && setLoaded(found));
    return () => {
      current = false;
    };
  }, [workspaceId, type, id, title]);
  if (loaded === null) return <span className="muted">{`${type} ${id} (deleted)`}</span>;
  return <a href={recordHref(type, id)}>{loaded ?? id}</a>;
}

const SEARCH_DELAY_MS = 250;

/**
 * Picks a record of one type: type to search (the list's text filter), then choose among the matches. The
 * newest records show before anything is typed.
 */
export function RecordPicker({
  workspaceId,
  type,
  value,
  onChange,
  label,
  name,
}: {
  workspaceId: string;
  type: string;
  value: string;
  onChange: (id: string) => void;
  label: string;
  name?: string;
}) {
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<RecordRow[] | null>(null);
  const [failed, setFailed] = useState(false);
  const id = useId();
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      const q = query.trim() ? `&q=${encodeURIComponent(query.trim())}` : '';
      get<{ data: RecordRow[] }>(`${recordPath(workspaceId, type)}?limit=20${q}`).then(
        (page) => {
          if (!current) return;
          setFailed(false);
          setMatches(page.data);
        },
        () => current && setFailed(true),
      );
    }, SEARCH_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [workspaceId, type, query]);
  const plural = recordType(type)?.plural ?? type;
  return (
    <fieldset className="picker">
      <legend>{label}</legend>
      <label htmlFor={`${id}-search`}>Search {plural}</label>
      <input
        id={`${id}-search`}
        type="search"
        value={query}
        placeholder="name, email, company…"
        onChange={(event) => setQuery(event.target.value)}
      />
      <label htmlFor={`${id}-choice`}>Choose</label>
      <select
        id={`${id}-choice`}
        name={name}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      >
        <option value="">{matches === null ? 'Loading…' : `${matches.length} match(es): choose one`}</option>
        {matches?.map((record) => (
          <option key={record.id} value={record.id}>
            {recordTitle(record)}
            {typeof record.company === 'string' && record.company ? ` · ${record.company}` : ''}
            {typeof record.status === 'string' ? ` (${record.status})` : ''}
          </option>
        ))}
        {value && matches && !matches.some((r) => r.id === value) ? (
          <option value={value}>{value}</option>
        ) : null}
      </select>
      {failed ? <span className="muted">Could not search {plural}.</span> : null}
    </fieldset>
  );
}
