// The job creation wizard: base model → method → dataset (an existing one, one built from workspace records
// with filters, or an uploaded JSONL) → hyperparameters → cost and time estimate → confirm.

import { useState } from 'react';
import { get, post } from '../api/client.ts';
import type { BaseModel, Dataset, Estimate, Job, Method, ProviderStatus, Workspace } from '../api/types.ts';
import {
  ErrorNote,
  formatHours,
  formatNumber,
  formatUsd,
  Loading,
  Section,
  useAsync,
} from '../components/ui.tsx';
import { DATASET_TYPES } from './finetune-constants.ts';

const STEPS = ['Base model', 'Method', 'Dataset', 'Hyperparameters', 'Estimate', 'Confirm'] as const;

export function JobWizard({ workspace }: { workspace: Workspace }) {
  const base = `/api/ai/fine-tuning/${workspace.id}`;
  const catalogue = useAsync(
    () =>
      Promise.all([
        get<{ models: BaseModel[] }>('/api/ai/fine-tuning/models'),
        get<{ methods: Method[] }>('/api/ai/fine-tuning/methods'),
        get<{ datasets: Dataset[] }>(`${base}/datasets`),
        get<{ providers: ProviderStatus[] }>('/api/ai/fine-tuning/providers'),
      ]),
    [base],
  );
  const [step, setStep] = useState(0);
  const [model, setModel] = useState<BaseModel | null>(null);
  const [provider, setProvider] = useState('simulator');
  const [method, setMethod] = useState('lora');
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const [name, setName] = useState('');
  const [hyper, setHyper] = useState({
    epochs: 3,
    batchSize: 4,
    learningRate: 0.0001,
    loraRank: 16,
    loraAlpha: 32,
    loraDropout: 0.05,
    virtualTokens: 20,
  });
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (catalogue.loading && !catalogue.data) return <Loading what="Loading models" />;
  if (catalogue.error) return <ErrorNote error={catalogue.error} />;
  const [{ models }, { methods }, { datasets }, { providers }] = catalogue.data!;
  // Providers this instance is not configured for are shown, disabled, with what to set.
  const notConfigured = (name: string) => providers.find((p) => p.provider === name && !p.available)?.reason;
  const isLora = method === 'lora' || method === 'qlora';
  const isPromptLearning = method === 'prefix-tuning' || method === 'p-tuning';

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const { epochs, batchSize, learningRate, loraRank, loraAlpha, loraDropout, virtualTokens } = hyper;
  // Each method gets the settings it has: LoRA's for LoRA and QLoRA, virtual tokens for prompt learning.
  const hyperparameters = {
    epochs,
    batchSize,
    learningRate,
    ...(isLora ? { loraRank, loraAlpha, loraDropout } : {}),
    ...(isPromptLearning ? { virtualTokens } : {}),
  };

  const next = () => setStep((s) => Math.min(s + 1, STEPS.length - 1));
  const back = () => setStep((s) => Math.max(s - 1, 0));
  const toEstimate = () =>
    run(async () => {
      setEstimate(
        await post<Estimate>(`${base}/jobs/estimate`, {
          baseModel: model!.id,
          method,
          provider,
          datasetId: dataset!.id,
          epochs: hyper.epochs,
        }),
      );
      next();
    });
  const create = () =>
    run(async () => {
      const job = await post<Job>(`${base}/jobs`, {
        name: name.trim() || `${model!.name} ${method}`,
        baseModel: model!.id,
        method,
        provider,
        datasetId: dataset!.id,
        hyperparameters,
      });
      window.location.hash = `#/fine-tuning/jobs/${job.id}`;
    });

  return (
    <div className="stack">
      <p>
        <a href="#/fine-tuning">← All jobs</a>
      </p>
      <Section title="New training job">
        <ol className="steps" aria-label="Wizard steps">
          {STEPS.map((label, index) => (
            <li
              key={label}
              aria-current={index === step ? 'step' : undefined}
              className={index < step ? 'done' : ''}
            >
              {label}
            </li>
          ))}
        </ol>
        <ErrorNote error={error} />

        {step === 0 ? (
          <fieldset>
            <legend>Base model</legend>
            <div className="choices">
              {models.map((m) => (
                <label key={m.id} className={`choice ${model?.id === m.id ? 'chosen' : ''}`}>
                  <input
                    type="radio"
                    name="model"
                    value={m.id}
                    checked={model?.id === m.id}
                    onChange={() => setModel(m)}
                  />
                  <strong>{m.name}</strong>
                  <span className="muted">
                    {formatNumber(m.contextTokens)} tokens · {m.gpuCount}× {m.gpu} · {m.typicalTime} ·{' '}
                    {m.typicalCost}
                  </span>
                  <span className="muted">Providers: {m.providers.join(', ')}</span>
                </label>
              ))}
            </div>
            <div className="row end">
              <button
                type="button"
                disabled={!model}
                onClick={() => {
                  const usable = model!.providers.filter((p) => !notConfigured(p));
                  setProvider(usable.includes(provider) ? provider : (usable[0] ?? model!.providers[0]!));
                  next();
                }}
              >
                Next
              </button>
            </div>
          </fieldset>
        ) : null}

        {step === 1 && model ? (
          <fieldset>
            <legend>Provider and method</legend>
            <label>
              Provider
              <select name="provider" value={provider} onChange={(event) => setProvider(event.target.value)}>
                {model.providers.map((p) => (
                  <option key={p} value={p} disabled={Boolean(notConfigured(p))}>
                    {p}
                    {p === 'simulator' ? ' (simulated: no GPU run)' : ''}
                    {notConfigured(p) ? ' (not configured)' : ''}
                  </option>
                ))}
              </select>
            </label>
            {model.providers.some((p) => notConfigured(p)) ? (
              <ul className="muted" data-testid="providers-not-configured">
                {model.providers
                  .filter((p) => notConfigured(p))
                  .map((p) => (
                    <li key={p}>
                      {p}: {notConfigured(p)}
                    </li>
                  ))}
              </ul>
            ) : null}
            <div className="choices">
              {methods.map((m) => {
                const offered = m.providers.includes(provider);
                return (
                  <label
                    key={m.id}
                    className={`choice ${method === m.id ? 'chosen' : ''} ${offered ? '' : 'disabled'}`}
                  >
                    <input
                      type="radio"
                      name="method"
                      value={m.id}
                      checked={method === m.id}
                      disabled={!offered}
                      onChange={() => setMethod(m.id)}
                    />
                    <strong>
                      {m.name} {m.recommended ? <span className="badge good">recommended</span> : null}
                    </strong>
                    <span className="muted">{m.description}</span>
                    {offered ? null : <span className="muted">Not offered by {provider}</span>}
                  </label>
                );
              })}
            </div>
            <div className="row end">
              <button type="button" className="secondary" onClick={back}>
                Back
              </button>
              <button
                type="button"
                disabled={!methods.find((m) => m.id === method)?.providers.includes(provider)}
                onClick={next}
              >
                Next
              </button>
            </div>
          </fieldset>
        ) : null}

        {step === 2 && model ? (
          <DatasetStep
            base={base}
            model={model}
            provider={provider}
            datasets={datasets}
            chosen={dataset}
            onChoose={setDataset}
            onBack={back}
            onNext={next}
          />
        ) : null}

        {step === 3 ? (
          <fieldset>
            <legend>Hyperparameters</legend>
            <div className="grid">
              <label>
                Job name
                <input
                  name="name"
                  value={name}
                  placeholder={`${model?.name} ${method}`}
                  onChange={(event) => setName(event.target.value)}
                />
              </label>
              <NumberField
                label="Epochs"
                name="epochs"
                value={hyper.epochs}
                min={1}
                max={20}
                step={1}
                onChange={(epochs) => setHyper({ ...hyper, epochs })}
              />
              <NumberField
                label="Batch size"
                name="batchSize"
                value={hyper.batchSize}
                min={1}
                max={512}
                step={1}
                onChange={(batchSize) => setHyper({ ...hyper, batchSize })}
              />
              <NumberField
                label="Learning rate"
                name="learningRate"
                value={hyper.learningRate}
                min={0.000001}
                max={1}
                step={0.00001}
                onChange={(learningRate) => setHyper({ ...hyper, learningRate })}
              />
              {isLora ? (
                <>
                  <label>
                    LoRA rank
                    <select
                      name="loraRank"
                      value={hyper.loraRank}
                      onChange={(event) => setHyper({ ...hyper, loraRank: Number(event.target.value) })}
                    >
                      {[4, 8, 16, 32, 64, 128].map((rank) => (
                        <option key={rank}>{rank}</option>
                      ))}
                    </select>
                  </label>
                  <NumberField
                    label="LoRA alpha"
                    name="loraAlpha"
                    value={hyper.loraAlpha}
                    min={1}
                    max={512}
                    step={1}
                    onChange={(loraAlpha) => setHyper({ ...hyper, loraAlpha })}
                  />
                  <NumberField
                    label="LoRA dropout"
                    name="loraDropout"
                    value={hyper.loraDropout}
                    min={0}
                    max={0.5}
                    step={0.01}
                    onChange={(loraDropout) => setHyper({ ...hyper, loraDropout })}
                  />
                </>
              ) : null}
              {isPromptLearning ? (
                <NumberField
                  label="Virtual tokens"
                  name="virtualTokens"
                  value={hyper.virtualTokens}
                  min={1}
                  max={512}
                  step={1}
                  onChange={(value) => setHyper({ ...hyper, virtualTokens: value })}
                />
              ) : null}
            </div>
            <div className="row end">
              <button type="button" className="secondary" onClick={back}>
                Back
              </button>
              <button type="button" disabled={busy} onClick={toEstimate}>
                Estimate cost and time
              </button>
            </div>
          </fieldset>
        ) : null}

        {step === 4 && estimate ? (
          <fieldset>
            <legend>Estimate</legend>
            <dl className="facts">
              <dt>Training tokens</dt>
              <dd data-testid="estimate-tokens">{formatNumber(estimate.trainingTokens)}</dd>
              <dt>Time</dt>
              <dd>
                {formatHours(estimate.hours.low)} – {formatHours(estimate.hours.high)} (expected{' '}
                {formatHours(estimate.hours.expected)})
              </dd>
              <dt>Cost</dt>
              <dd>
                {formatUsd(estimate.costUsd.low)} – {formatUsd(estimate.costUsd.high)} (expected{' '}
                {formatUsd(estimate.costUsd.expected)})
              </dd>
            </dl>
            <p className="muted">{estimate.basis}</p>
            <div className="row end">
              <button type="button" className="secondary" onClick={back}>
                Back
              </button>
              <button type="button" onClick={next}>
                Next
              </button>
            </div>
          </fieldset>
        ) : null}

        {step === 5 ? (
          <fieldset>
            <legend>Confirm</legend>
            <p>
              Train <strong>{model?.name}</strong> with <strong>{method}</strong> on{' '}
              <strong>{provider}</strong> using the dataset <strong>{dataset?.name}</strong> (
              {formatNumber(dataset?.trainCount)} training examples) for {hyper.epochs} epochs.
            </p>
            {provider === 'simulator' ? (
              <p className="note warn">
                The simulator trains nothing: its curve and model are marked simulated.
              </p>
            ) : null}
            <div className="row end">
              <button type="button" className="secondary" onClick={back}>
                Back
              </button>
              <button type="button" disabled={busy} onClick={create}>
                Create job
              </button>
            </div>
          </fieldset>
        ) : null}
      </Section>
    </div>
  );
}

function NumberField(props: {
  label: string;
  name: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange: (value: number) => void;
}) {
  return (
    <label>
      {props.label}
      <input
        type="number"
        name={props.name}
        value={props.value}
        min={props.min}
        max={props.max}
        step={props.step}
        onChange={(event) => props.onChange(Number(event.target.value))}
      />
    </label>
  );
}

function DatasetStep(props: {
  base: string;
  model: BaseModel;
  provider: string;
  datasets: Dataset[];
  chosen: Dataset | null;
  onChoose: (dataset: Dataset) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const [mode, setMode] = useState<'existing' | 'workspace' | 'upload'>(
    props.datasets.length ? 'existing' : 'workspace',
  );
  const [type, setType] = useState(props.provider === 'local' ? 'classification' : 'instruction');
  const [limit, setLimit] = useState(500);
  const [name, setName] = useState('');
  const [target, setTarget] = useState<'lead-conversion' | 'deal-outcome'>('lead-conversion');
  const [where, setWhere] = useState('');
  const [jsonl, setJsonl] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const build = async () => {
    setBusy(true);
    setError(null);
    try {
      const filters: Record<string, unknown> = { limit };
      if (where.trim()) filters.where = JSON.parse(where);
      if (type === 'classification') filters.target = target;
      const dataset = await post<Dataset>(`${props.base}/datasets`, {
        name:
          name.trim() || (type === 'classification' ? `${target} from workspace` : `${type} from workspace`),
        type,
        baseModel: props.model.id,
        trainingData: mode === 'upload' ? { source: 'upload', jsonl } : { source: 'workspace', filters },
      });
      props.onChoose(dataset);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const check = props.chosen?.providerChecks.find((c) => c.provider === props.provider);

  return (
    <fieldset>
      <legend>Dataset</legend>
      <div className="row" role="radiogroup" aria-label="Dataset source">
        {(['existing', 'workspace', 'upload'] as const).map((value) => (
          <label key={value} className="inline">
            <input
              type="radio"
              name="dataset-source"
              value={value}
              checked={mode === value}
              onChange={() => setMode(value)}
            />
            {value === 'existing'
              ? 'An existing dataset'
              : value === 'workspace'
                ? 'Build from workspace records'
                : 'Upload JSONL'}
          </label>
        ))}
      </div>
      {mode === 'existing' ? (
        <label>
          Dataset
          <select
            name="dataset"
            value={props.chosen?.id ?? ''}
            onChange={(event) => props.onChoose(props.datasets.find((d) => d.id === event.target.value)!)}
          >
            <option value="" disabled>
              Choose…
            </option>
            {props.datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} — {d.type}, {d.exampleCount} examples, quality {d.quality.score}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <div className="grid">
          <label>
            Type
            <select name="dataset-type" value={type} onChange={(event) => setType(event.target.value)}>
              {DATASET_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <label>
            Dataset name
            <input
              name="dataset-name"
              value={name}
              placeholder={`${type} from workspace`}
              onChange={(event) => setName(event.target.value)}
            />
          </label>
          {mode === 'workspace' && type === 'classification' ? (
            <label>
              Predict
              <select
                name="target"
                value={target}
                onChange={(event) => setTarget(event.target.value as 'lead-conversion' | 'deal-outcome')}
              >
                <option value="lead-conversion">whether a lead converts</option>
                <option value="deal-outcome">whether a deal is won</option>
              </select>
            </label>
          ) : null}
          {mode === 'workspace' ? (
            <>
              <label>
                At most this many examples
                <input
                  type="number"
                  name="limit"
                  min={1}
                  max={100000}
                  value={limit}
                  onChange={(event) => setLimit(Number(event.target.value))}
                />
              </label>
              <label>
                Only records where (JSON)
                <input
                  name="where"
                  placeholder='{"source":"referral"}'
                  value={where}
                  onChange={(event) => setWhere(event.target.value)}
                />
              </label>
            </>
          ) : (
            <label className="span">
              JSONL (one example per line)
              <textarea
                name="jsonl"
                rows={6}
                value={jsonl}
                onChange={(event) => setJsonl(event.target.value)}
              />
            </label>
          )}
          <div className="row">
            <button type="button" disabled={busy} onClick={build}>
              {busy ? 'Building…' : 'Build dataset'}
            </button>
          </div>
        </div>
      )}
      <ErrorNote error={error} />
      {props.chosen ? (
        <p data-testid="chosen-dataset">
          <strong>{props.chosen.name}</strong>: {props.chosen.exampleCount} examples (
          {props.chosen.trainCount} train / {props.chosen.validationCount} validation),{' '}
          {formatNumber(props.chosen.tokenCount)} tokens, quality {props.chosen.quality.score}/100.{' '}
          {check && !check.valid ? (
            <span className="error">
              {props.provider} rejects it: {check.errors.join('; ')}
            </span>
          ) : null}
        </p>
      ) : null}
      <div className="row end">
        <button type="button" className="secondary" onClick={props.onBack}>
          Back
        </button>
        <button
          type="button"
          disabled={!props.chosen || (check ? !check.valid : false)}
          onClick={props.onNext}
        >
          Next
        </button>
      </div>
    </fieldset>
  );
}
