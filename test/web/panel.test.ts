// The admin panel end to end in headless Chromium (from apt, driven by playwright-core) against the real
// server on a seeded workspace: sign in, create a fine-tuning job through the wizard and watch its chart
// receive points, run a hybrid search and open a result's record page, run every agent through its generated
// form and read its card, build a workflow of forms, manage deployed models, open the operations history, and
// use it all at 390 px. Every page is checked with axe-core (no serious or critical violation). Screenshots of
// each page go to test-artifacts/panel/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildWebPanelIfMissing } from '../../src/platform/http/web-panel.ts';
import { seededWorkspaces, type Tenant, type TestApp } from '../support/app.ts';
import { trainLocalClassifier } from '../support/jobs.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts/panel');
const available = fs.existsSync(CHROMIUM);
// CI installs Chromium (.ci/run); a developer machine without it skips, saying why.
const skip = !available && !process.env.CI ? `no ${CHROMIUM}: apt-get install chromium` : false;

let server: TestApp;
let tenant: Tenant;
let context: BrowserContext;
let page: Page;
let profile: string;

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Saves a screenshot of the page and checks it with axe-core: no serious or critical violation. */
async function shot(name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  if (!(await page.evaluate('typeof window.axe'))?.toString().includes('object'))
    await page.addScriptTag({ path: AXE });
  const violations = (await page.evaluate(`axe
    .run(document, { resultTypes: ['violations'] })
    .then((result) => result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' ' + n.html.slice(0, 90)).join(', ')))`)) as string[];
  assert.deepEqual(violations, [], `axe on ${name}: ${violations.join('; ')}`);
}

describe('admin panel in Chromium', { skip }, () => {
  before(async () => {
    await buildWebPanelIfMissing(() => {});
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    ({ server, tenant } = await seededWorkspaces({
      size: 600,
      seed: 5,
      env: { FINETUNE_POLL_MS: '20', FINETUNE_SIMULATOR_STEP_MS: '40' },
    }));
    await server.vector.indexer.idle();
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ai-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 860 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await context?.close();
    await server?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  test('sign in with a token', async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    // By keyboard: the field, the token, Enter.
    await page.getByLabel('API token').fill('');
    await page.getByLabel('API token').focus();
    await page.keyboard.type(tenant.token);
    await shot('sign-in');
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    assert.equal(await page.getByLabel('Workspace').inputValue(), tenant.workspaceId);
  });

  test('create a fine-tuning job through the wizard and watch the loss chart receive points', async () => {
    await page.goto(`${server.baseUrl}/#/fine-tuning`);
    await page.getByRole('link', { name: 'New job' }).click();
    await page.getByText('Qwen 3 8B').click();
    await page.getByRole('button', { name: 'Next' }).click();
    // Providers this instance has no credentials for are shown as not configured, with what to set.
    assert.match(
      (await page.getByTestId('providers-not-configured').textContent()) ?? '',
      /together: set TOGETHER_AI_API_KEY/,
    );
    await shot('wizard-providers');
    await page.getByLabel('Provider').selectOption('simulator');
    await page.getByRole('radio', { name: /LoRA/ }).first().check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('radio', { name: 'Build from workspace records' }).check();
    await page.getByLabel('Type').selectOption('instruction');
    await page.getByLabel('At most this many examples').fill('60');
    await page.getByRole('button', { name: 'Build dataset' }).click();
    await page.getByTestId('chosen-dataset').waitFor();
    assert.match((await page.getByTestId('chosen-dataset').textContent()) ?? '', /quality \d+\/100/);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Job name').fill('Follow-up writer');
    await page.getByLabel('Epochs').fill('2');
    await page.getByRole('button', { name: 'Estimate cost and time' }).click();
    await page.getByTestId('estimate-tokens').waitFor();
    assert.ok(
      Number(((await page.getByTestId('estimate-tokens').textContent()) ?? '').replaceAll(',', '')) > 0,
    );
    await shot('fine-tuning-estimate');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/#\/fine-tuning\/jobs\//);
    await page.getByRole('heading', { name: 'Follow-up writer' }).waitFor();
    assert.ok(
      await page.getByText('simulated', { exact: true }).first().isVisible(),
      'simulated jobs are marked',
    );
    // A string, evaluated in the page (this file is typed for Node, not the DOM).
    await page.waitForFunction("Number(document.querySelector('.chart')?.getAttribute('data-points')) >= 5");
    await page.getByText('succeeded', { exact: true }).first().waitFor({ timeout: 30_000 });
    await shot('fine-tuning-job');
    await page.getByRole('link', { name: '← All jobs' }).click();
    await page.getByRole('heading', { name: 'Models comparison' }).waitFor();
    await shot('fine-tuning-overview');
  });

  test('register a training worker; a self-hosted job it reports on fills the chart with its throughput', async () => {
    await page.goto(`${server.baseUrl}/#/fine-tuning`);
    await page.getByLabel('Worker name').fill('gpu-01');
    await page.getByRole('button', { name: 'Register a worker' }).click();
    const shown = (await page.getByTestId('trainer-token').textContent()) ?? '';
    const token = /--token (crm_\S+)/.exec(shown)?.[1];
    assert.ok(token, shown);
    await page.getByRole('table', { name: 'Training workers' }).getByText('never-connected').waitFor();

    // The worker's side, over the real protocol (the Python worker itself is tested in self-hosted.test.ts).
    const worker = server.as(token);
    const registered = await worker.post('/api/trainer/v1/register', {
      device: 'cuda',
      name: 'NVIDIA H200',
      memoryGib: 139.8,
      freeMemoryGib: 130.2,
      bf16: true,
      torchVersion: '2.13.0',
      methods: ['lora', 'full', 'prefix-tuning', 'p-tuning'],
      unavailable: { qlora: 'bitsandbytes is not installed' },
    });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    const created = await tenant.api.post(`/api/ai/fine-tuning/${tenant.workspaceId}/jobs`, {
      name: 'Notes on our own GPU',
      baseModel: 'llama-3-8b',
      method: 'lora',
      provider: 'self-hosted',
      trainingData: { source: 'workspace', type: 'instruction', filters: { limit: 20 } },
      hyperparameters: { epochs: 1, batchSize: 4, learningRate: 0.0002 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const claimed = await worker.post('/api/trainer/v1/claim', {});
    assert.equal(claimed.body.job.id, created.body.id, JSON.stringify(claimed.body));

    await page.goto(`${server.baseUrl}/#/fine-tuning/jobs/${created.body.id}`);
    await page.getByRole('heading', { name: 'Notes on our own GPU' }).waitFor();
    for (let step = 1; step <= 5; step++) {
      const metric = { step, epoch: step / 5, loss: 2 - step * 0.2, evalLoss: null, learningRate: 0.0002 };
      await worker.post(`/api/trainer/v1/jobs/${created.body.id}/progress`, {
        step,
        totalSteps: 5,
        metrics: [{ ...metric, tokensPerSec: 24_100.5, gpuMemoryGib: 31.2 }],
      });
    }
    await page.waitForFunction("Number(document.querySelector('.chart')?.getAttribute('data-points')) >= 5");
    assert.match((await page.getByTestId('throughput').textContent()) ?? '', /24,101 tokens\/s/);
    await shot('fine-tuning-self-hosted-job');
    await page.getByRole('link', { name: '← All jobs' }).click();
    const workers = page.getByRole('table', { name: 'Training workers' });
    await workers.getByText('training', { exact: true }).waitFor();
    assert.match((await workers.textContent()) ?? '', /no qlora: bitsandbytes is not installed/);
    await shot('fine-tuning-workers');
    await tenant.api.post(`/api/ai/fine-tuning/${tenant.workspaceId}/jobs/${created.body.id}/cancel`);
    assert.equal(
      (await worker.post(`/api/trainer/v1/jobs/${created.body.id}/stop`, {})).body.status,
      'cancelled',
    );
  });

  test('run a hybrid search, then similar records', async () => {
    await page.goto(`${server.baseUrl}/#/search`);
    await page.getByLabel('Query').fill('enterprise software renewal');
    await page.getByRole('radio', { name: 'hybrid' }).check();
    await page.getByLabel(/Vector weight/).fill('0.6');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByTestId('search-results').locator('li');
    await results.first().waitFor();
    assert.ok((await results.count()) >= 3);
    await shot('search');
    await results.first().getByRole('button', { name: 'Similar records' }).click();
    await page.getByRole('heading', { name: /^Similar to/ }).waitFor();
    assert.ok((await page.getByTestId('search-results').locator('li').count()) >= 1, 'similar records');
    // A result opens its record's page in the panel (not the raw API).
    const first = page.getByTestId('search-results').locator('li a').first();
    const title = (await first.textContent()) ?? '';
    await first.click();
    await page.waitForURL(/#\/records\/[a-z]+\//);
    await page.getByRole('heading', { name: title, exact: true }).waitFor();
  });

  test('every agent runs from its generated form and answers with a readable card', async () => {
    await page.goto(`${server.baseUrl}/#/agents`);
    const agent = page.locator('select[name="agent"]');
    const runAndShoot = async (name: string) => {
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.getByTestId('agent-answer').waitFor();
      assert.equal(await page.getByRole('alert').count(), 0, `${name} answered without an error`);
      await shot(`agent-${name}`);
    };
    /** Picks the first record the picker offers, after searching for `query` when given. */
    const pick = async (label: RegExp, query?: string) => {
      // The first group of that name: the run form's (the workflow builder below has its own).
      const picker = page.getByRole('group', { name: label }).first();
      if (query) await picker.getByRole('searchbox').fill(query);
      const choice = picker.getByRole('combobox');
      await choice.locator('option').nth(1).waitFor({ state: 'attached' });
      await choice.selectOption({ index: 1 });
    };

    await agent.selectOption('leadQualification');
    await pick(/^Lead/);
    await runAndShoot('lead-qualification');
    // The card shows gauges and factors, the raw JSON only behind its toggle.
    assert.ok((await page.locator('[data-testid="agent-answer"] meter').count()) >= 1, 'score gauges');
    assert.equal(await page.getByText('"qualityScore"').isVisible(), false, 'raw JSON is folded away');
    const evidence = page.getByTestId('agent-evidence').locator('a');
    assert.ok((await evidence.count()) >= 1, 'the evidence records are linked');
    assert.ok(!/^[0-9a-f-]{36}$/.test((await evidence.first().textContent()) ?? ''), 'by title, not by UUID');

    await agent.selectOption('dealAnalysis');
    assert.equal(await page.getByTestId('agent-answer').count(), 0, 'the last agent’s answer is cleared');
    await pick(/^Deal/);
    await runAndShoot('deal-analysis');
    await agent.selectOption('customerInsights');
    await pick(/^Customer/);
    await runAndShoot('customer-insights');
    await agent.selectOption('recommendation');
    await runAndShoot('recommendation');
    await agent.selectOption('research');
    await page.getByLabel(/^Company/).fill('Acme');
    await runAndShoot('research');
    await agent.selectOption('summary');
    await page.getByLabel(/^Entity type/).selectOption('deal');
    await pick(/^Record/);
    await runAndShoot('summary');
    await agent.selectOption('decision');
    // Refused input names the field that was wrong.
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /question/);
    await page.getByLabel(/^Question/).fill('Which deal first?');
    const options = page.getByRole('group', { name: /^Options/ });
    await options.getByLabel(/^Name/).nth(0).fill('Expand Acme');
    await options
      .getByLabel(/^Values/)
      .nth(0)
      .fill('value: 50000\nfit: 8');
    await options.getByLabel(/^Name/).nth(1).fill('Renew Globex');
    await options
      .getByLabel(/^Values/)
      .nth(1)
      .fill('value: 30000\nfit: 9');
    await runAndShoot('decision');

    // A history row opens the whole run.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('cell', { name: 'decision' }).first().waitFor();
    await page.getByRole('row').filter({ hasText: 'decision' }).first().getByRole('link').first().click();
    await page.waitForURL(/#\/agents\/runs\//);
    await page.getByTestId('agent-answer').waitFor();
    await shot('agent-run');
  });

  test('build a workflow from forms and read each step’s card', async () => {
    await page.goto(`${server.baseUrl}/#/agents`);
    const steps = page.getByTestId('workflow-step');
    await steps.first().getByLabel('Agent').selectOption('leadQualification');
    const picker = steps.first().getByRole('group', { name: /^Lead/ }).getByRole('combobox');
    await picker.locator('option').nth(1).waitFor({ state: 'attached' });
    await picker.selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Add step' }).click();
    await steps.nth(1).getByLabel('Agent').selectOption('research');
    await steps
      .nth(1)
      .getByLabel(/^Company/)
      .fill('Acme');
    await page.getByRole('button', { name: 'Run workflow' }).click();
    await page.getByTestId('workflow-result').waitFor();
    assert.ok(
      (await page.getByTestId('workflow-result').getByTestId('agent-answer').count()) === 2,
      'a card per step',
    );
    await shot('workflow');
  });

  test('a record page: its fields, related records, timeline, score and AI, and the runs about it', async () => {
    await page.goto(`${server.baseUrl}/#/records/leads`);
    await page.getByTestId('record-list').waitFor();
    await page.getByLabel('Status').selectOption('new');
    await page.getByTestId('record-list').locator('tbody tr').first().waitFor();
    await shot('records-leads');
    await page.getByTestId('record-list').locator('tbody tr a').first().click();
    await page.waitForURL(/#\/records\/leads\//);
    await page.getByTestId('record-fields').waitFor();
    await page.getByRole('heading', { name: 'Activity timeline' }).waitFor();
    await page.getByTestId('record-score').waitFor();
    await page.getByRole('button', { name: 'Qualify' }).click();
    await page.getByTestId('agent-answer').waitFor();
    await page.getByRole('heading', { name: 'Agent runs about it' }).waitFor();
    await page.getByRole('button', { name: 'Refresh' }).last().click();
    await page.getByRole('cell', { name: 'leadQualification' }).first().waitFor();
    await shot('record-lead');

    await page.goto(`${server.baseUrl}/#/records/deals`);
    await page.getByTestId('record-list').locator('tbody tr a').first().click();
    await page.getByTestId('related-records').waitFor();
    await page.getByTestId('similar-records').locator('li').first().waitFor();
    await shot('record-deal');
  });

  test('models: one active per kind, roll back and undeploy, with held-out metrics against the baseline', async () => {
    const dataset = await tenant.api.post(`/api/ai/fine-tuning/${tenant.workspaceId}/datasets`, {
      name: 'Lead outcomes',
      type: 'classification',
      baseModel: 'crm-classifier',
      trainingData: { source: 'workspace', filters: { target: 'lead-conversion' } },
    });
    assert.equal(dataset.status, 201, JSON.stringify(dataset.body));
    const names = ['Scorer A', 'Scorer B'];
    for (const name of names) {
      const done = await trainLocalClassifier(tenant.api, tenant.workspaceId, dataset.body.id, name);
      assert.equal(
        (await tenant.api.post(`/api/ai/fine-tuning/${tenant.workspaceId}/jobs/${done.id}/deploy`)).status,
        200,
        'deployed',
      );
    }
    await page.goto(`${server.baseUrl}/#/models`);
    const slots = page.getByTestId('model-slots');
    await slots
      .getByText(/^local\//)
      .first()
      .waitFor();
    assert.match((await page.getByTestId('header-model').textContent()) ?? '', /analytic|\S/);
    const models = page.getByTestId('deployed-models');
    assert.equal(await models.getByText('active', { exact: true }).count(), 1, 'one active per kind');
    assert.match((await models.locator('tbody tr').first().textContent()) ?? '', /\d+\.\d% \(\d+\.\d%\)/);
    await shot('models');
    await page.getByRole('button', { name: /^Roll back to/ }).click();
    await page.getByRole('button', { name: /^Roll back to/ }).waitFor();
    await page
      .getByRole('button', { name: /^Undeploy/ })
      .first()
      .click();
    await page.waitForFunction(
      "document.querySelectorAll('[data-testid=deployed-models] tbody tr').length === 1",
    );
    assert.equal(await models.getByText('active', { exact: true }).count(), 1, 'the slot fell back');
    await shot('models-after-undeploy');
    // A local classifier's job page states its held-out accuracy against the baseline.
    await models.getByRole('link').first().click();
    assert.match(
      (await page.getByTestId('job-accuracy').textContent()) ?? '',
      /% against a [\d.]+% baseline/,
    );
  });

  test('a dataset page shows examples and the jobs that used it, and renames it', async () => {
    await page.goto(`${server.baseUrl}/#/fine-tuning`);
    await page.getByRole('link', { name: 'Lead outcomes' }).click();
    await page.getByTestId('dataset-sample').locator('li').first().waitFor();
    assert.ok((await page.getByTestId('dataset-used-by').locator('li').count()) >= 2, 'both jobs');
    await page.getByLabel('Name', { exact: true }).fill('Lead outcomes 2026');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { name: 'Lead outcomes 2026' }).waitFor();
    await shot('dataset');
  });

  test('see open leads by score with the factors behind them, and the scorer versions', async () => {
    await page.goto(`${server.baseUrl}/#/scores`);
    // The agent run above trained the workspace's scorers; scoring its open leads follows in the background.
    await page.getByRole('cell', { name: 'Lead conversion' }).first().waitFor();
    const firstScore = page.locator('tbody tr td .badge').filter({ hasText: /^\d+ · (hot|warm|cold)$/ });
    await firstScore.first().waitFor({ timeout: 30_000 });
    // 600 records hold too little history to predict anything: the page says so instead of inventing factors.
    const why = await page.locator('tbody tr').first().locator('td').nth(3).textContent();
    assert.ok(/base rate|▲|▼/.test(why ?? ''), why ?? '');
    await page.locator('select').filter({ hasText: 'Open deals' }).selectOption('deals');
    await page.locator('tbody tr').first().waitFor();
    await shot('scores');
  });

  test('create an automation rule, dry-run it, approve what it proposes and see the run log', async () => {
    await page.goto(`${server.baseUrl}/#/automations`);
    await page.getByRole('heading', { name: 'Rules' }).waitFor();
    const definition = {
      trigger: {
        kind: 'record',
        entityType: 'lead',
        on: ['created'],
        conditions: [{ field: 'source', op: 'eq', value: 'trade_show' }],
      },
      steps: [{ name: 'qualify', agent: 'leadQualification', input: { leadId: '{{record.id}}' } }],
      actions: [{ type: 'update_record', fields: { status: 'contacted' } }],
      requiresApproval: true,
    };
    await page.getByLabel('Rule name').fill('Trade show leads');
    await page.getByLabel(/^Definition/).fill(JSON.stringify(definition));
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByTestId('webhook-secret').waitFor();
    await page.getByRole('table', { name: 'Rules' }).getByText('Trade show leads').waitFor();

    await page.getByRole('button', { name: 'Dry run' }).first().click();
    await page.getByTestId('dry-run').waitFor();

    const lead = await tenant.api.post(`/api/workspaces/${tenant.workspaceId}/leads`, {
      name: 'Booth Visitor',
      source: 'trade_show',
    });
    assert.equal(lead.status, 201);
    const pending = page.getByRole('article', { name: 'Proposal of Trade show leads' });
    for (let i = 0; i < 100 && !(await pending.isVisible()); i++) {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(100);
    }
    await shot('automations-approval');
    await pending.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByRole('table', { name: 'Runs' })
      .getByText('succeeded', { exact: true })
      .first()
      .waitFor({ timeout: 15_000 })
      .catch(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page
          .getByRole('table', { name: 'Runs' })
          .getByText('succeeded', { exact: true })
          .first()
          .waitFor();
      });
    await shot('automations');
    const after = await tenant.api.get(`/api/workspaces/${tenant.workspaceId}/leads/${lead.body.id}`);
    assert.equal(after.body.status, 'contacted');
  });

  test('open the operations page with its 24-hour history, at laptop and tablet widths', async () => {
    // Two samples as the server takes them each minute, the second a minute on.
    await server.platform.operations.sample();
    await server.platform.operations.sample(new Date(Date.now() + 60_000));
    await page.goto(`${server.baseUrl}/#/operations`);
    await page.getByTestId('operations-history').waitFor();
    await page.getByTestId('cache-stats').waitFor();
    await page.getByTestId('index-stats').waitFor();
    assert.ok((await page.getByTestId('index-stats').locator('tbody tr').count()) === 6);
    await shot('operations');
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.getByTestId('cache-stats').waitFor();
    await shot('operations-tablet');
  });

  test('usable at 390 px: the record page, the agents and the search fit the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [name, hash, ready] of [
      ['narrow-records', '#/records/deals', 'record-list'],
      ['narrow-agents', '#/agents', 'workflow-step'],
    ] as const) {
      await page.goto(`${server.baseUrl}/${hash}`);
      await page.getByTestId(ready).first().waitFor();
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(Number(overflow) <= 1, `${name} scrolls sideways by ${overflow}px`);
      await shot(name);
    }
    await page
      .getByTestId('record-list')
      .waitFor()
      .catch(() => {});
    await page.goto(`${server.baseUrl}/#/records/deals`);
    await page.getByTestId('record-list').locator('tbody tr a').first().click();
    await page.getByTestId('record-fields').waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(Number(overflow) <= 1, `the record page scrolls sideways by ${overflow}px`);
    await shot('narrow-record');
  });
});
