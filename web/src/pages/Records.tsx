// Records: a list per type (search, filters, sort, the learned score where there is one) and a record's page
// with its fields, related records, activity timeline and its AI: score with factors, insights, a summary,
// similar records and the agent runs about it.
import { useEffect, useState } from 'react';
import { get, post } from '../api/client.ts';
import type { AgentRun, ScoredPage, ScoredRecord, SearchHit, Workspace } from '../api/types.ts';
import { AgentAnswer, FactorList } from '../components/AgentAnswer.tsx';
import {
  RECORD_TYPES,
  RecordLink,
  type RecordRow,
  type RecordType,
  recordHref,
  recordPath,
  recordTitle,
  recordType,
} from '../components/records.tsx';
import { humanize } from '../components/SchemaForm.tsx';
import {
  Badge,
  ErrorNote,
  formatNumber,
  Loading,
  RefreshButton,
  Section,
  TableWrap,
  useAsync,
} from '../components/ui.tsx';
import { HistoryTable } from './Agents.tsx';

type Score = ScoredRecord['score'];
const BAND_TONES = { hot: 'good', warm: 'warn', cold: 'neutral' } as const;
const PAGE_SIZE = 25;

export function RecordsPage({ workspace, route }: { workspace: Workspace; route: string[] }) {
  const type = recordType(route[0] ?? '') ?? RECORD_TYPES[0]!;
  return (
    <div className="stack">
      <nav aria-label="Record types" className="tabs">
        {RECORD_TYPES.map((t) => (
          <a key={t.name} href={`#/records/${t.plural}`} aria-current={t === type ? 'page' : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {route[1] ? (
        <RecordPage key={route[1]} workspace={workspace} type={type} id={decodeURIComponent(route[1])} />
      ) : (
        <RecordList key={type.name} workspace={workspace} type={type} />
      )}
    </div>
  );
}

/** The columns a type's list shows after its title. */
const COLUMNS: Record<string, string[]> = {
  contact: ['company', 'role', 'email'],
  lead: ['company', 'status', 'source'],
  deal: ['company', 'stage', 'amount'],
  activity: ['type', 'occurredAt', 'relatedType'],
  project: ['status'],
  document: ['mimeType', 'relatedType'],
};

function cell(record: RecordRow, column: string): string {
  const value = record[column];
  if (value === null || value === undefined || value === '') return '—';
  if (column === 'amount' && typeof value === 'number')
    return `${value.toLocaleString('en-US')} ${String(record.currency ?? '')}`.trim();
  if (column.endsWith('At') && typeof value === 'string') return value.slice(0, 10);
  return String(value);
}

/**
 * The current scores of some records, in one request; a record without one (decided, or not scored yet) is
 * simply absent, which is not an error.
 */
async function scoresOf(workspaceId: string, type: RecordType, ids: string[]): Promise<Map<string, Score>> {
  const scores = new Map<string, Score>();
  if (ids.length === 0) return scores;
  const page = await get<ScoredPage>(
    `/api/agents/${workspaceId}/scores/${type.plural}?limit=${ids.length}&ids=${ids.map(encodeURIComponent).join(',')}`,
  );
  for (const { score } of page.data) scores.set(score.recordId, score);
  return scores;
}

function RecordList({ workspace, type }: { workspace: Workspace; type: RecordType }) {
  const [query, setQuery] = useState('');
  const [submitted, setSubmitted] = useState('');
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [sort, setSort] = useState('-createdAt');
  const [rows, setRows] = useState<{ record: RecordRow; score?: Score | null }[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const byScore = sort === 'score';

  const load = async (cursor: string | null) => {
    setLoading(true);
    setError(null);
    try {
      if (byScore) {
        // Scores cover open records only, best first, paged by offset.
        const offset = cursor ? Number(cursor) : 0;
        const page = await get<ScoredPage>(
          `/api/agents/${workspace.id}/scores/${type.plural}?limit=${PAGE_SIZE}&offset=${offset}`,
        );
        const loaded = page.data.map(({ record, score }) => ({ record: record as RecordRow, score }));
        setRows((previous) => [...(cursor ? (previous ?? []) : []), ...loaded]);
        setNext(page.nextOffset === null ? null : String(page.nextOffset));
        return;
      }
      const params = new URLSearchParams({ limit: String(PAGE_SIZE), sort });
      if (submitted.trim()) params.set('q', submitted.trim());
      for (const [field, value] of Object.entries(filters)) if (value) params.set(field, value);
      if (cursor) params.set('cursor', cursor);
      const page = await get<{ data: RecordRow[]; nextCursor: string | null }>(
        `${recordPath(workspace.id, type.name)}?${params}`,
      );
      const scores = type.scored
        ? await scoresOf(
            workspace.id,
            type,
            page.data.map((record) => record.id),
          )
        : new Map<string, Score>();
      const loaded = page.data.map((record) => ({
        record,
        score: type.scored ? (scores.get(record.id) ?? null) : undefined,
      }));
      setRows((previous) => [...(cursor ? (previous ?? []) : []), ...loaded]);
      setNext(page.nextCursor);
    } catch (failure) {
      setError(failure);
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search, filter or sort starts from the top
  useEffect(() => {
    setRows(null);
    void load(null);
  }, [submitted, filters, sort]);

  const sortOptions = [
    ['-createdAt', 'Newest first'],
    ['createdAt', 'Oldest first'],
    ['-updatedAt', 'Recently changed'],
    ...type.sorts.flatMap((field) =>
      field === 'amount'
        ? [['-amount', 'Largest amount']]
        : field === 'occurredAt'
          ? [['-occurredAt', 'Latest occurred']]
          : [[field, `${humanize(field)} A→Z`]],
    ),
    ...(type.scored ? [['score', 'Best score (open only)']] : []),
  ];

  return (
    <Section title={type.label}>
      <form
        className="grid"
        onSubmit={(event) => {
          event.preventDefault();
          setSubmitted(query);
        }}
      >
        <label>
          Search {type.plural}
          <input
            type="search"
            name="q"
            value={query}
            disabled={byScore}
            onChange={(event) => setQuery(event.target.value)}
          />
        </label>
        {Object.entries(type.filters).map(([field, values]) => (
          <label key={field}>
            {humanize(field)}
            <select
              value={filters[field] ?? ''}
              disabled={byScore}
              onChange={(event) => setFilters({ ...filters, [field]: event.target.value })}
            >
              <option value="">any</option>
              {values.map((value) => (
                <option key={value} value={value}>
                  {humanize(value)}
                </option>
              ))}
            </select>
          </label>
        ))}
        <label>
          Sort
          <select value={sort} onChange={(event) => setSort(event.target.value)}>
            {sortOptions.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={byScore}>
          Search
        </button>
      </form>
      <ErrorNote error={error} />
      {rows === null && loading ? <Loading what={`Loading ${type.plural}`} /> : null}
      {rows?.length === 0 ? (
        <p className="muted" data-testid="records-empty">
          {byScore ? `No open ${type.plural} are scored yet.` : `No ${type.plural} match.`}
        </p>
      ) : null}
      {rows && rows.length > 0 ? (
        <TableWrap>
          <table data-testid="record-list">
            <thead>
              <tr>
                <th>{type.name === 'document' ? 'Title' : 'Name'}</th>
                {COLUMNS[type.name]!.map((column) => (
                  <th key={column}>{humanize(column)}</th>
                ))}
                {type.scored ? <th>Score</th> : null}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ record, score }) => (
                <tr key={record.id}>
                  <td>
                    <a href={recordHref(type.name, record.id)}>{recordTitle(record)}</a>
                  </td>
                  {COLUMNS[type.name]!.map((column) => (
                    <td key={column}>{cell(record, column)}</td>
                  ))}
                  {type.scored ? (
                    <td>
                      {score ? (
                        <Badge tone={BAND_TONES[score.band]}>
                          {score.score} · {score.band}
                        </Badge>
                      ) : (
                        <span
                          className="muted"
                          title="decided records and records not scored yet have no score"
                        >
                          —
                        </span>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      {next ? (
        <button type="button" className="secondary" disabled={loading} onClick={() => void load(next)}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </Section>
  );
}

/** A field's value as text: lists joined, list items that are objects (a stage history) by their values. */
function factValue(value: unknown): string {
  if (Array.isArray(value))
    return value
      .map((item) =>
        item !== null && typeof item === 'object'
          ? Object.values(item)
              .filter((v) => v !== null && v !== undefined)
              .map(String)
              .join(' ')
          : String(item),
      )
      .join('; ');
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Fields a record page does not list as facts: system fields, and links shown as related records. */
const HIDDEN_FIELDS = new Set([
  'id',
  'workspaceId',
  'custom',
  'contactId',
  'leadId',
  'dealId',
  'relatedType',
  'relatedId',
  'content',
]);

/** Records that point at this one, by type: the list filter that finds them. */
function backLinks(type: string, id: string): { type: string; filter: string }[] {
  const about = `relatedType=${type}&relatedId=${encodeURIComponent(id)}`;
  const links = [{ type: 'document', filter: about }];
  if (type === 'contact') links.unshift({ type: 'deal', filter: `contactId=${encodeURIComponent(id)}` });
  if (type === 'lead') links.unshift({ type: 'deal', filter: `leadId=${encodeURIComponent(id)}` });
  if (type === 'deal') links.unshift({ type: 'project', filter: `dealId=${encodeURIComponent(id)}` });
  return links;
}

/** Records this one points at. */
function forwardLinks(record: RecordRow): { type: string; id: string }[] {
  const links: { type: string; id: string }[] = [];
  if (typeof record.contactId === 'string') links.push({ type: 'contact', id: record.contactId });
  if (typeof record.leadId === 'string') links.push({ type: 'lead', id: record.leadId });
  if (typeof record.dealId === 'string') links.push({ type: 'deal', id: record.dealId });
  if (typeof record.relatedType === 'string' && typeof record.relatedId === 'string')
    links.push({ type: record.relatedType, id: record.relatedId });
  return links;
}

function RecordPage({ workspace, type, id }: { workspace: Workspace; type: RecordType; id: string }) {
  const record = useAsync(
    () => get<RecordRow>(recordPath(workspace.id, type.name, id)),
    [workspace.id, type.name, id],
  );
  if (record.loading && !record.data) return <Loading what={`Loading the ${type.name}`} />;
  if (record.error) return <ErrorNote error={record.error} />;
  const r = record.data!;
  const facts = Object.entries(r).filter(
    ([field, value]) =>
      !HIDDEN_FIELDS.has(field) &&
      value !== null &&
      value !== '' &&
      !(Array.isArray(value) && value.length === 0),
  );
  const custom = Object.entries((r.custom ?? {}) as Record<string, unknown>);
  return (
    <>
      <p>
        <a href={`#/records/${type.plural}`}>← {type.label}</a>
      </p>
      <Section title={recordTitle(r)} actions={<Badge tone="info">{type.name}</Badge>}>
        <dl className="facts" data-testid="record-fields">
          {[...facts, ...custom].map(([field, value]) => (
            <div key={field} className="fact">
              <dt>{humanize(field)}</dt>
              <dd>{factValue(value)}</dd>
            </div>
          ))}
        </dl>
        {typeof r.content === 'string' ? (
          <details>
            <summary>Content</summary>
            <p className="prose">{r.content}</p>
          </details>
        ) : null}
      </Section>
      <RecordAi workspace={workspace} type={type} record={r} />
      <Related workspace={workspace} type={type} record={r} />
      <Timeline workspace={workspace} type={type} id={r.id} />
      <RunsAbout workspace={workspace} type={type} id={r.id} />
    </>
  );
}

function Related({ workspace, type, record }: { workspace: Workspace; type: RecordType; record: RecordRow }) {
  const related = useAsync(
    () =>
      Promise.all(
        backLinks(type.name, record.id).map(async (link) => ({
          type: link.type,
          records: (
            await get<{ data: RecordRow[] }>(`${recordPath(workspace.id, link.type)}?limit=20&${link.filter}`)
          ).data,
        })),
      ),
    [workspace.id, type.name, record.id],
  );
  const forward = forwardLinks(record);
  const found = related.data?.filter((group) => group.records.length > 0) ?? [];
  return (
    <Section title="Related records">
      <ErrorNote error={related.error} />
      {related.loading && !related.data ? <Loading /> : null}
      {related.data && forward.length === 0 && found.length === 0 ? (
        <p className="muted">No related records.</p>
      ) : null}
      <ul data-testid="related-records">
        {forward.map((link) => (
          <li key={`${link.type}:${link.id}`}>
            <Badge>{link.type}</Badge> <RecordLink workspaceId={workspace.id} type={link.type} id={link.id} />
          </li>
        ))}
        {found.flatMap((group) =>
          group.records.map((related) => (
            <li key={`${group.type}:${related.id}`}>
              <Badge>{group.type}</Badge>{' '}
              <RecordLink
                workspaceId={workspace.id}
                type={group.type}
                id={related.id}
                title={recordTitle(related)}
              />
            </li>
          )),
        )}
      </ul>
    </Section>
  );
}

function Timeline({ workspace, type, id }: { workspace: Workspace; type: RecordType; id: string }) {
  const activities = useAsync(
    () =>
      get<{ data: RecordRow[] }>(
        `${recordPath(workspace.id, 'activity')}?limit=50&sort=-occurredAt&relatedType=${type.name}&relatedId=${encodeURIComponent(id)}`,
      ),
    [workspace.id, type.name, id],
  );
  return (
    <Section title="Activity timeline">
      <ErrorNote error={activities.error} />
      {activities.loading && !activities.data ? <Loading /> : null}
      {activities.data?.data.length === 0 ? <p className="muted">No activities recorded.</p> : null}
      <ol className="timeline" data-testid="timeline">
        {activities.data?.data.map((activity) => (
          <li key={activity.id}>
            <time dateTime={String(activity.occurredAt ?? activity.createdAt)}>
              {String(activity.occurredAt ?? activity.createdAt).slice(0, 10)}
            </time>{' '}
            <Badge>{String(activity.type)}</Badge>{' '}
            <a href={recordHref('activity', activity.id)}>{recordTitle(activity)}</a>
            {typeof activity.outcome === 'string' && activity.outcome ? (
              <span className="muted"> — {activity.outcome}</span>
            ) : null}
          </li>
        ))}
      </ol>
    </Section>
  );
}

/** The agents that look at one record of a type, and how they name it in their input. */
function agentsFor(
  type: string,
  id: string,
): { label: string; agent: string; input: Record<string, string> }[] {
  const summary = { label: 'Summarize', agent: 'summary', input: { entityType: type, entityId: id } };
  if (type === 'lead')
    return [
      { label: 'Qualify', agent: 'leadQualification', input: { leadId: id } },
      { label: 'Customer insights', agent: 'customerInsights', input: { customerId: id } },
      { label: 'Recommend actions', agent: 'recommendation', input: { entityType: 'lead', entityId: id } },
      summary,
    ];
  if (type === 'deal')
    return [
      { label: 'Analyse deal', agent: 'dealAnalysis', input: { dealId: id } },
      { label: 'Recommend actions', agent: 'recommendation', input: { entityType: 'deal', entityId: id } },
      summary,
    ];
  if (type === 'contact')
    return [{ label: 'Customer insights', agent: 'customerInsights', input: { customerId: id } }, summary];
  return [summary];
}

function RecordAi({
  workspace,
  type,
  record,
}: {
  workspace: Workspace;
  type: RecordType;
  record: RecordRow;
}) {
  const score = useAsync(
    () =>
      type.scored
        ? scoresOf(workspace.id, type, [record.id]).then((scores) => scores.get(record.id) ?? null)
        : Promise.resolve(null),
    [workspace.id, type.plural, record.id],
  );
  const similar = useAsync(
    () =>
      get<{ results: SearchHit[] }>(
        `/api/vector/${workspace.id}/similar/${type.name}/${encodeURIComponent(record.id)}?topK=5`,
      ),
    [workspace.id, type.name, record.id],
  );
  const [answer, setAnswer] = useState<Record<string, unknown> | null>(null);
  const [running, setRunning] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ask = async (agent: string, input: Record<string, string>) => {
    setRunning(agent);
    setError(null);
    try {
      setAnswer(await post<Record<string, unknown>>(`/api/agents/${workspace.id}/execute`, { agent, input }));
    } catch (failure) {
      setError(failure);
    } finally {
      setRunning(null);
    }
  };
  const s = score.data;
  return (
    <Section title="AI">
      {type.scored ? (
        <div data-testid="record-score">
          <h3>Score</h3>
          {score.loading && !score.data ? <Loading /> : null}
          {!score.loading && !s ? (
            <p className="muted">
              Not scored: the {type.name} is decided, or no scorer has looked at it yet.
            </p>
          ) : null}
          {s ? (
            <>
              <div className="gauges">
                <div className="gauge">
                  <span>{type.name === 'lead' ? 'Conversion score' : 'Win score'}</span>
                  <meter
                    min={0}
                    max={100}
                    low={34}
                    high={66}
                    optimum={100}
                    value={s.score}
                    aria-label="Score"
                  >
                    {s.score}
                  </meter>
                  <strong>
                    {s.score} <Badge tone={BAND_TONES[s.band]}>{s.band}</Badge>
                  </strong>
                </div>
              </div>
              <p className="muted">
                Probability {(s.probability * 100).toFixed(0)}%, {s.confidence} confidence, by{' '}
                {s.modelVersion ? `scorer v${s.modelVersion}` : 'the prior'} on {s.scoredAt.slice(0, 16)}.
              </p>
              <FactorList factors={s.factors} />
            </>
          ) : null}
        </div>
      ) : null}
      <h3>Ask the agents</h3>
      <div className="row">
        {agentsFor(type.name, record.id).map((choice) => (
          <button
            key={choice.agent}
            type="button"
            className="secondary"
            disabled={running !== null}
            onClick={() => void ask(choice.agent, choice.input)}
          >
            {running === choice.agent ? 'Working…' : choice.label}
          </button>
        ))}
      </div>
      <ErrorNote error={error} />
      {answer ? <AgentAnswer answer={answer} workspaceId={workspace.id} /> : null}
      <h3>Similar records</h3>
      <ErrorNote error={similar.error} />
      {similar.loading && !similar.data ? <Loading /> : null}
      {similar.data?.results.length === 0 ? <p className="muted">Nothing similar indexed yet.</p> : null}
      <ul data-testid="similar-records">
        {similar.data?.results.map((hit) => (
          <li key={`${hit.entityType}:${hit.entityId}`}>
            <Badge>{hit.entityType}</Badge>{' '}
            <RecordLink
              workspaceId={workspace.id}
              type={hit.entityType}
              id={hit.entityId}
              title={hit.title}
            />{' '}
            <span className="score">{formatNumber(hit.score, 3)}</span>
          </li>
        ))}
      </ul>
    </Section>
  );
}

function RunsAbout({ workspace, type, id }: { workspace: Workspace; type: RecordType; id: string }) {
  const runs = useAsync(
    () =>
      get<{ data: AgentRun[] }>(
        `/api/agents/${workspace.id}/history?limit=20&entityType=${type.name}&entityId=${encodeURIComponent(id)}`,
      ),
    [workspace.id, type.name, id],
  );
  return (
    <Section title="Agent runs about it" actions={<RefreshButton onClick={runs.reload} />}>
      <ErrorNote error={runs.error} />
      {runs.loading && !runs.data ? <Loading /> : null}
      {runs.data?.data.length === 0 ? <p className="muted">No agent has looked at this record yet.</p> : null}
      {runs.data && runs.data.data.length > 0 ? (
        <HistoryTable workspace={workspace} runs={runs.data.data} />
      ) : null}
    </Section>
  );
}
