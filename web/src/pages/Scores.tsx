// Scores: open leads and deals by their learned score, with band, confidence and the factors behind it, and
// the scorers' versions with their cross-validated quality. Admins can ask for a retraining.
import { useEffect, useState } from 'react';
import { get, post } from '../api/client.ts';
import type { ScoredPage, ScorerVersion, Workspace } from '../api/types.ts';
import { FactorList } from '../components/AgentAnswer.tsx';
import { recordHref } from '../components/records.tsx';
import { Badge, ErrorNote, formatNumber, Loading, Section, TableWrap, useAsync } from '../components/ui.tsx';

const BAND_TONES = { hot: 'good', warm: 'warn', cold: 'neutral' } as const;
const BANDS = ['', 'hot', 'warm', 'cold'] as const;

export function ScoresPage({ workspace }: { workspace: Workspace }) {
  const base = `/api/agents/${workspace.id}`;
  const [type, setType] = useState<'leads' | 'deals'>('leads');
  const [band, setBand] = useState<(typeof BANDS)[number]>('');
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const scores = useAsync(
    () => get<ScoredPage>(`${base}/scores/${type}?limit=50${band ? `&band=${band}` : ''}`),
    [base, type, band],
  );
  const versions = useAsync(() => get<{ data: ScorerVersion[] }>(`${base}/scoring-models`), [base]);
  // Scoring runs in the background after training and imports: while nothing is scored, look again.
  const empty = scores.data?.data.length === 0;
  const { reload } = scores;
  // biome-ignore lint/correctness/useExhaustiveDependencies: each reload's result re-arms the timer while empty
  useEffect(() => {
    if (!empty) return;
    const timer = setTimeout(reload, 3000);
    return () => clearTimeout(timer);
  }, [empty, reload, scores.data]);
  const canRetrain = workspace.role === 'admin' || workspace.role === 'owner';
  const retrain = async () => {
    setFailure(null);
    try {
      await post(`${base}/scoring-models/retrain`);
      setNotice('Retraining queued: a new version serves once trained, if it is not worse.');
    } catch (error) {
      setFailure(error);
    }
  };

  return (
    <div className="stack">
      <Section
        title="Scores"
        actions={
          <div className="row">
            <button type="button" onClick={scores.reload}>
              Refresh
            </button>
            <label>
              Records{' '}
              <select value={type} onChange={(event) => setType(event.target.value as 'leads' | 'deals')}>
                <option value="leads">Open leads</option>
                <option value="deals">Open deals</option>
              </select>
            </label>
            <label>
              Band{' '}
              <select
                value={band}
                onChange={(event) => setBand(event.target.value as (typeof BANDS)[number])}
              >
                {BANDS.map((value) => (
                  <option key={value} value={value}>
                    {value || 'all'}
                  </option>
                ))}
              </select>
            </label>
          </div>
        }
      >
        {scores.loading && !scores.data ? <Loading /> : null}
        <ErrorNote error={scores.error} />
        {scores.data?.data.length === 0 ? (
          <p className="muted">
            No scores yet: they appear once the workspace has decided {type} to learn from and a record
            changes or the scorers are trained.
          </p>
        ) : null}
        {scores.data && scores.data.data.length > 0 ? (
          <TableWrap>
            <table>
              <thead>
                <tr>
                  <th>Record</th>
                  <th>Score</th>
                  <th>Confidence</th>
                  <th>Why</th>
                  <th>Model</th>
                </tr>
              </thead>
              <tbody>
                {scores.data.data.map(({ record, score }) => (
                  <tr key={score.recordId}>
                    <td>
                      <a href={recordHref(score.entityType, score.recordId)}>
                        {String(record.name ?? score.recordId)}
                      </a>
                    </td>
                    <td>
                      <Badge tone={BAND_TONES[score.band]}>
                        {score.score} · {score.band}
                      </Badge>
                    </td>
                    <td>{score.confidence}</td>
                    <td>
                      {score.factors.length === 0 ? (
                        <span className="muted">
                          {score.confidence === 'low'
                            ? 'No factors: the history does not predict this yet, so the score is the base rate'
                            : 'No factor moved this score much'}
                        </span>
                      ) : null}
                      <FactorList factors={score.factors} />
                    </td>
                    <td className="muted">
                      {score.modelVersion ? `v${score.modelVersion}` : 'prior'}, {score.scoredAt.slice(0, 16)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ) : null}
      </Section>
      <Section
        title="Scorer versions"
        actions={
          canRetrain ? (
            <button type="button" onClick={retrain}>
              Retrain now
            </button>
          ) : null
        }
      >
        {notice ? <p role="status">{notice}</p> : null}
        <ErrorNote error={failure ?? versions.error} />
        {versions.data?.data.length === 0 ? (
          <p className="muted">No trained versions: too few decided records yet, so a stated prior scores.</p>
        ) : null}
        {versions.data && versions.data.data.length > 0 ? (
          <TableWrap>
            <table>
              <thead>
                <tr>
                  <th>Scorer</th>
                  <th>Version</th>
                  <th>Status</th>
                  <th>Held-out ROC AUC</th>
                  <th>Brier</th>
                  <th>ECE</th>
                  <th>Outcomes (yes / no)</th>
                  <th>Trained</th>
                </tr>
              </thead>
              <tbody>
                {versions.data.data.map((version) => (
                  <tr key={`${version.kind}-${version.version}`}>
                    <td>{version.kind === 'lead' ? 'Lead conversion' : 'Deal win'}</td>
                    <td>v{version.version}</td>
                    <td title={version.reason ?? undefined}>
                      <Badge
                        tone={
                          version.status === 'active'
                            ? 'good'
                            : version.status === 'rejected'
                              ? 'bad'
                              : 'neutral'
                        }
                      >
                        {version.status}
                      </Badge>
                    </td>
                    <td>
                      {formatNumber(version.quality.auc, 3)}
                      {version.quality.hasSignal ? '' : ' (no signal)'}
                    </td>
                    <td>{formatNumber(version.quality.brier, 3)}</td>
                    <td>{formatNumber(version.quality.ece, 3)}</td>
                    <td>
                      {formatNumber(version.quality.positives)} / {formatNumber(version.quality.negatives)}
                    </td>
                    <td>{version.trainedAt.slice(0, 16)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ) : null}
      </Section>
    </div>
  );
}
