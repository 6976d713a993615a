// Search: semantic or hybrid (with the vector/keyword weight as a slider), entity-type filters, results
// with scores and links to the record's page, and "similar records" from any result.

import { useState } from 'react';
import { get, post } from '../api/client.ts';
import type { SearchHit, Workspace } from '../api/types.ts';
import { RECORD_TYPES, recordHref } from '../components/records.tsx';
import { Badge, ErrorNote, Loading, Section } from '../components/ui.tsx';

export function SearchPage({ workspace }: { workspace: Workspace }) {
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<'hybrid' | 'semantic'>('hybrid');
  // null: the server's calibrated fusion of both sides; a number: the user's own weighting.
  const [weight, setWeight] = useState<number | null>(null);
  const [types, setTypes] = useState<string[]>([]);
  const [results, setResults] = useState<{
    title: string;
    hits: SearchHit[];
    tookMs?: number;
    reason?: string;
  } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const base = `/api/vector/${workspace.id}`;

  const run = async (work: () => Promise<{ title: string; hits: SearchHit[]; tookMs?: number }>) => {
    setLoading(true);
    setError(null);
    try {
      setResults(await work());
    } catch (failure) {
      setError(failure);
    } finally {
      setLoading(false);
    }
  };
  const search = () =>
    run(async () => {
      const body = {
        query,
        ...(types.length ? { entityTypes: types } : {}),
        ...(mode === 'hybrid' && weight !== null ? { vectorWeight: weight } : {}),
      };
      const response = await post<{ results: SearchHit[]; tookMs: number; reason?: string }>(
        `${base}/${mode === 'hybrid' ? 'hybrid-search' : 'search'}`,
        body,
      );
      return {
        title: `${mode === 'hybrid' ? 'Hybrid' : 'Semantic'} results for “${query}”`,
        hits: response.results,
        tookMs: response.tookMs,
        reason: response.reason,
      };
    });
  const similar = (hit: SearchHit) =>
    run(async () => {
      const response = await get<{ results: SearchHit[] }>(
        `${base}/similar/${hit.entityType}/${hit.entityId}?topK=10`,
      );
      return { title: `Similar to ${hit.title}`, hits: response.results };
    });

  return (
    <div className="stack">
      <Section title="Search">
        <form
          className="search-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (query.trim()) void search();
          }}
        >
          <label className="span">
            Query
            <input
              name="query"
              type="search"
              value={query}
              placeholder="e.g. enterprise renewal at risk"
              onChange={(event) => setQuery(event.target.value)}
            />
          </label>
          <div className="row" role="radiogroup" aria-label="Mode">
            {(['hybrid', 'semantic'] as const).map((value) => (
              <label key={value} className="inline">
                <input
                  type="radio"
                  name="mode"
                  value={value}
                  checked={mode === value}
                  onChange={() => setMode(value)}
                />
                {value}
              </label>
            ))}
          </div>
          {mode === 'hybrid' ? (
            <label>
              {weight === null
                ? 'Vector weight: automatic (calibrated fusion)'
                : `Vector weight: ${weight.toFixed(2)} (keyword ${(1 - weight).toFixed(2)})`}
              <input
                type="range"
                name="vectorWeight"
                min={0}
                max={1}
                step={0.05}
                value={weight ?? 0.7}
                onChange={(event) => setWeight(Number(event.target.value))}
              />
              {weight === null ? null : (
                <button type="button" onClick={() => setWeight(null)}>
                  Automatic
                </button>
              )}
            </label>
          ) : null}
          <fieldset className="row">
            <legend>Entity types (none: all)</legend>
            {RECORD_TYPES.map((type) => (
              <label key={type.name} className="inline">
                <input
                  type="checkbox"
                  name="entityTypes"
                  value={type.name}
                  checked={types.includes(type.name)}
                  onChange={(event) =>
                    setTypes(
                      event.target.checked ? [...types, type.name] : types.filter((t) => t !== type.name),
                    )
                  }
                />
                {type.plural}
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={loading || !query.trim()}>
            Search
          </button>
        </form>
      </Section>
      <ErrorNote error={error} />
      {loading ? <Loading what="Searching" /> : null}
      {results ? (
        <Section
          title={results.title}
          actions={results.tookMs !== undefined ? <span className="muted">{results.tookMs} ms</span> : null}
        >
          {results.hits.length === 0 ? (
            <p className="muted" data-testid="search-empty">
              {results.reason ?? 'Nothing found.'}
            </p>
          ) : null}
          <ol className="results" data-testid="search-results">
            {results.hits.map((hit) => {
              return (
                <li key={`${hit.entityType}:${hit.entityId}`}>
                  <div className="row">
                    <Badge tone="info">{hit.entityType}</Badge>
                    <a href={recordHref(hit.entityType, hit.entityId)}>{hit.title}</a>
                    <span
                      className="score"
                      title="calibrated probability that the record is relevant (similar records: cosine similarity)"
                    >
                      {hit.score.toFixed(3)}
                    </span>
                    {hit.matched?.map((m) => (
                      <Badge key={m}>{m}</Badge>
                    ))}
                    <button type="button" className="link" onClick={() => void similar(hit)}>
                      Similar records
                    </button>
                  </div>
                  <p className="muted">{hit.snippet}</p>
                </li>
              );
            })}
          </ol>
        </Section>
      ) : null}
    </div>
  );
}
