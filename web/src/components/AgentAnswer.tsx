// An agent's answer for people: probabilities and scores as gauges, factor lists with the evidence behind
// each, actions, risks and other lists as bullets, nested facts as definition lists, record ids and evidence
// as links to the records' pages. The raw JSON stays one toggle away.
import type { ReactNode } from 'react';
import { RecordLink, recordType } from './records.tsx';
import { humanize } from './SchemaForm.tsx';
import { Badge } from './ui.tsx';

type Answer = Record<string, unknown>;

/** Shown in the card's header or elsewhere, not as findings. */
const BOOKKEEPING = new Set(['agent', 'evidence', 'engine', 'durationMs', 'tokens', 'warnings', 'taskId']);
const RECORD_ID_FIELDS: Record<string, string> = { leadId: 'lead', dealId: 'deal', customerId: 'contact' };
const SHARE = /probability|confidence$|rate$|share$/i;

interface Factor {
  text: string;
  direction: 'raises' | 'lowers';
  evidence?: { records: number; rate: number; overallRate: number } | null;
}

const isFactorList = (value: unknown): value is Factor[] =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every(
    (item) => typeof item?.text === 'string' && (item.direction === 'raises' || item.direction === 'lowers'),
  );

const percent = (value: number) => `${Math.round(value * 100)}%`;

function Gauge({ label, value, max }: { label: string; value: number; max: number }) {
  const shown = max === 1 ? percent(value) : `${value} / ${max}`;
  return (
    <div className="gauge">
      <span>{label}</span>
      <meter
        min={0}
        max={max}
        low={max * 0.34}
        high={max * 0.66}
        optimum={max}
        value={value}
        aria-label={label}
      >
        {shown}
      </meter>
      <strong>{shown}</strong>
    </div>
  );
}

/** What raised and what lowered a score, one per line, with the evidence behind each when there is some. */
export function FactorList({ factors }: { factors: Factor[] }) {
  return (
    <ul className="factors">
      {factors.map((factor) => (
        <li key={factor.text} className={factor.direction}>
          {factor.direction === 'raises' ? '▲' : '▼'} {factor.text}
          {factor.evidence ? (
            <span className="muted">
              {' '}
              — {factor.evidence.records} similar records converted {percent(factor.evidence.rate)} of the
              time, against {percent(factor.evidence.overallRate)} overall
            </span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function Scalar({ name, value, workspaceId }: { name: string; value: unknown; workspaceId: string }) {
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  const type = RECORD_ID_FIELDS[name];
  if (type && typeof value === 'string')
    return <RecordLink workspaceId={workspaceId} type={type} id={value} />;
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'number')
    return <>{SHARE.test(name) && value <= 1 ? percent(value) : value.toLocaleString('en-US')}</>;
  return <>{String(value)}</>;
}

/** One item of a list of objects: a record when it names one, else its fields on one line. */
function ObjectItem({ item, workspaceId }: { item: Answer; workspaceId: string }) {
  if (typeof item.id === 'string' && typeof item.type === 'string' && recordType(item.type)) {
    const { id, type, name, ...rest } = item;
    return (
      <>
        <RecordLink
          workspaceId={workspaceId}
          type={type}
          id={id}
          title={typeof name === 'string' ? name : undefined}
        />
        {Object.entries(rest).map(([key, value]) =>
          value === null ? null : (
            <span key={key} className="muted">
              {' '}
              · {humanize(key)}: <Scalar name={key} value={value} workspaceId={workspaceId} />
            </span>
          ),
        )}
      </>
    );
  }
  return (
    <>
      {Object.entries(item).map(([key, value], index) => (
        <span key={key}>
          {index > 0 ? ' · ' : ''}
          <span className="muted">{humanize(key)}:</span>{' '}
          {value !== null && typeof value === 'object' ? (
            Object.entries(value as Answer)
              .map(([k, v]) => `${k} ${typeof v === 'number' ? Number(v.toFixed(2)) : String(v)}`)
              .join(', ')
          ) : (
            <Scalar name={key} value={value} workspaceId={workspaceId} />
          )}
        </span>
      ))}
    </>
  );
}

function Findings({ answer, workspaceId, depth }: { answer: Answer; workspaceId: string; depth: number }) {
  const gauges: ReactNode[] = [];
  const facts: ReactNode[] = [];
  const blocks: ReactNode[] = [];
  for (const [name, value] of Object.entries(answer)) {
    if (BOOKKEEPING.has(name)) continue;
    const label = humanize(name);
    if (
      typeof value === 'number' &&
      ((SHARE.test(name) && value >= 0 && value <= 1) || /score$/i.test(name))
    ) {
      gauges.push(<Gauge key={name} label={label} value={value} max={SHARE.test(name) ? 1 : 100} />);
    } else if (isFactorList(value)) {
      blocks.push(
        <div key={name}>
          <h4>{label}</h4>
          <FactorList factors={value} />
        </div>,
      );
    } else if (Array.isArray(value)) {
      blocks.push(
        <div key={name}>
          <h4>{label}</h4>
          {value.length === 0 ? <p className="muted">None.</p> : null}
          <ul>
            {value.map((item, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: answer items have no identity of their own
              <li key={index}>
                {item !== null && typeof item === 'object' ? (
                  <ObjectItem item={item as Answer} workspaceId={workspaceId} />
                ) : (
                  <Scalar name={name} value={item} workspaceId={workspaceId} />
                )}
              </li>
            ))}
          </ul>
        </div>,
      );
    } else if (value !== null && typeof value === 'object') {
      blocks.push(
        <div key={name} className="nested">
          <h4>{label}</h4>
          <Findings answer={value as Answer} workspaceId={workspaceId} depth={depth + 1} />
        </div>,
      );
    } else {
      facts.push(
        <div key={name} className="fact">
          <dt>{label}</dt>
          <dd>
            <Scalar name={name} value={value} workspaceId={workspaceId} />
          </dd>
        </div>,
      );
    }
  }
  return (
    <>
      {gauges.length ? <div className="gauges">{gauges}</div> : null}
      {facts.length ? <dl className="facts">{facts}</dl> : null}
      {blocks}
    </>
  );
}

export function AgentAnswer({ answer, workspaceId }: { answer: Answer; workspaceId: string }) {
  const evidence = (Array.isArray(answer.evidence) ? answer.evidence : []) as {
    entityType: string;
    entityId: string;
  }[];
  const warnings = (Array.isArray(answer.warnings) ? answer.warnings : []) as string[];
  return (
    <article className="answer" data-testid="agent-answer">
      <header className="row">
        <h3>{humanize(String(answer.agent ?? 'Answer'))}</h3>
        <Badge tone="info">answered by {String(answer.engine ?? 'analytic')}</Badge>
        {typeof answer.durationMs === 'number' ? <span className="muted">{answer.durationMs} ms</span> : null}
      </header>
      {warnings.map((warning) => (
        <p key={warning} className="note warn">
          {warning}
        </p>
      ))}
      <Findings answer={answer} workspaceId={workspaceId} depth={0} />
      <h4>Evidence</h4>
      {evidence.length === 0 ? <p className="muted">No records were cited.</p> : null}
      <ul data-testid="agent-evidence">
        {evidence.map((item) => (
          <li key={`${item.entityType}:${item.entityId}`}>
            <Badge>{item.entityType}</Badge>{' '}
            <RecordLink workspaceId={workspaceId} type={item.entityType} id={item.entityId} />
          </li>
        ))}
      </ul>
      <details>
        <summary>Raw JSON</summary>
        <pre>{JSON.stringify(answer, null, 2)}</pre>
      </details>
    </article>
  );
}
