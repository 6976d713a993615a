// The lead-conversion and deal-win models of each workspace, trained on its own decided leads (converted vs
// unqualified) and closed deals (won vs lost), kept in memory and retrained when older than the retrain
// interval. With too little history a stated prior stands in, and answers say so.
import { entityTypes, type RecordRow } from '../../crm/records/entity-types.ts';
import type { RecordsService } from '../../crm/records/service.ts';
import { dealFeatures, type Engagement, leadFeatures } from './features.ts';
import { type FeatureRow, LogisticModel, rocAuc } from './logistic.ts';

export interface TrainedModel {
  model: LogisticModel;
  basis: 'workspace history' | 'prior';
  positives: number;
  negatives: number;
  trainedAt: string;
}

/** The workspace's records as the models need them, read once per retrain. */
export interface WorkspaceSnapshot {
  leads: RecordRow[];
  deals: RecordRow[];
  contacts: Map<string, RecordRow>;
  engagement: Map<string, Engagement>;
  medianAmount: number;
  takenAtMs: number;
}

export interface WorkspaceModels {
  lead: TrainedModel;
  deal: TrainedModel;
  snapshot: WorkspaceSnapshot;
}

/** Fewer labelled examples of either class than this, and the prior is used. */
export const MIN_HISTORY_PER_CLASS = 15;

/**
 * Priors (log-odds weights on raw feature values) from common sales practice: seniority, company size,
 * trials and engagement help a lead; size above the usual and slipping close dates hurt a deal.
 */
const LEAD_PRIOR = LogisticModel.prior(-1, {
  seniority: 0.35,
  logEmployees: 0.3,
  trialStarted: 0.8,
  activities: 0.5,
  recentlyActive: 0.4,
  hasEmail: 0.2,
});
const DEAL_PRIOR = LogisticModel.prior(0, {
  logAmountVsMedian: -0.5,
  closeDateSlips: -0.5,
  activities: 0.4,
  recentlyActive: 0.4,
  contactSeniority: 0.3,
});

export class ScoringModels {
  private readonly trained = new Map<string, { models: Promise<WorkspaceModels>; at: number }>();

  constructor(
    private readonly records: RecordsService,
    private readonly retrainAfterMs = 10 * 60_000,
  ) {}

  /** The workspace's current models; one training at a time per workspace, shared by concurrent callers. */
  forWorkspace(workspaceId: string): Promise<WorkspaceModels> {
    const current = this.trained.get(workspaceId);
    if (current && Date.now() - current.at < this.retrainAfterMs) return current.models;
    const models = this.train(workspaceId);
    this.trained.set(workspaceId, { models, at: Date.now() });
    models.catch(() => this.trained.delete(workspaceId));
    return models;
  }

  /** Forgets a workspace's models: the next call retrains. */
  invalidate(workspaceId: string): void {
    this.trained.delete(workspaceId);
  }

  async snapshot(workspaceId: string): Promise<WorkspaceSnapshot> {
    const all = async (type: keyof typeof entityTypes) => {
      const rows: RecordRow[] = [];
      for await (const page of this.records.pages(entityTypes[type], workspaceId, 1000)) rows.push(...page);
      return rows;
    };
    const [leads, deals, contacts, activities] = await Promise.all([
      all('lead'),
      all('deal'),
      all('contact'),
      all('activity'),
    ]);
    const engagement = new Map<string, Engagement>();
    for (const activity of activities) {
      if (!activity.relatedType || !activity.relatedId) continue;
      const key = `${activity.relatedType}:${activity.relatedId}`;
      const current = engagement.get(key) ?? { count: 0, lastAt: null };
      const at = (activity.occurredAt as string | null) ?? (activity.createdAt as string);
      engagement.set(key, {
        count: current.count + 1,
        lastAt: current.lastAt && current.lastAt > at ? current.lastAt : at,
      });
    }
    const amounts = deals
      .map((deal) => Number(deal.amount ?? 0))
      .filter((amount) => amount > 0)
      .sort((a, b) => a - b);
    return {
      leads,
      deals,
      contacts: new Map(contacts.map((contact) => [contact.id, contact])),
      engagement,
      medianAmount: amounts.length > 0 ? amounts[Math.floor(amounts.length / 2)]! : 0,
      takenAtMs: Date.now(),
    };
  }

  private async train(workspaceId: string): Promise<WorkspaceModels> {
    const snapshot = await this.snapshot(workspaceId);
    const leads = labelledLeads(snapshot);
    const deals = labelledDeals(snapshot);
    return {
      lead: fitOrPrior(leads.rows, leads.labels, LEAD_PRIOR),
      deal: fitOrPrior(deals.rows, deals.labels, DEAL_PRIOR),
      snapshot,
    };
  }
}

const noEngagement: Engagement = { count: 0, lastAt: null };

/** Features as of the decision: a decided lead is seen as it was when it converted or was disqualified. */
export function labelledLeads(snapshot: WorkspaceSnapshot): { rows: FeatureRow[]; labels: number[] } {
  const rows: FeatureRow[] = [];
  const labels: number[] = [];
  for (const lead of snapshot.leads) {
    if (lead.status !== 'converted' && lead.status !== 'unqualified') continue;
    const decidedAt = Date.parse((lead.convertedAt as string | null) ?? (lead.updatedAt as string));
    rows.push(leadFeatures(lead, snapshot.engagement.get(`lead:${lead.id}`) ?? noEngagement, decidedAt));
    labels.push(lead.status === 'converted' ? 1 : 0);
  }
  return { rows, labels };
}

export function labelledDeals(snapshot: WorkspaceSnapshot): { rows: FeatureRow[]; labels: number[] } {
  const rows: FeatureRow[] = [];
  const labels: number[] = [];
  for (const deal of snapshot.deals) {
    if (deal.status !== 'won' && deal.status !== 'lost') continue;
    const closedAt = Date.parse((deal.closedAt as string | null) ?? (deal.updatedAt as string));
    rows.push(dealRow(deal, snapshot, closedAt));
    labels.push(deal.status === 'won' ? 1 : 0);
  }
  return { rows, labels };
}

export function dealRow(deal: RecordRow, snapshot: WorkspaceSnapshot, asOfMs: number): FeatureRow {
  return dealFeatures(deal, {
    engagement: snapshot.engagement.get(`deal:${deal.id}`) ?? noEngagement,
    contact: deal.contactId ? snapshot.contacts.get(deal.contactId as string) : undefined,
    medianAmount: snapshot.medianAmount,
    asOfMs,
  });
}

function fitOrPrior(rows: FeatureRow[], labels: number[], prior: LogisticModel): TrainedModel {
  const positives = labels.filter((label) => label === 1).length;
  const negatives = labels.length - positives;
  const trainedAt = new Date().toISOString();
  if (positives < MIN_HISTORY_PER_CLASS || negatives < MIN_HISTORY_PER_CLASS) {
    return { model: prior, basis: 'prior', positives, negatives, trainedAt };
  }
  return {
    model: LogisticModel.fit(rows, labels),
    basis: 'workspace history',
    positives,
    negatives,
    trainedAt,
  };
}

/**
 * Held-out evaluation for the benchmark: fit on a seeded random split, AUC on the rest, beside a naive
 * baseline that ranks by engagement (activity count) alone.
 */
export function evaluateHoldout(
  data: { rows: FeatureRow[]; labels: number[] },
  testFraction = 0.3,
  seed = 7,
): { auc: number; baselineAuc: number; nTrain: number; nTest: number } {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const train: number[] = [];
  const test: number[] = [];
  data.rows.forEach((_, i) => {
    (random() < testFraction ? test : train).push(i);
  });
  const model = LogisticModel.fit(
    train.map((i) => data.rows[i]!),
    train.map((i) => data.labels[i]!),
  );
  const testLabels = test.map((i) => data.labels[i]!);
  return {
    auc: Number(
      rocAuc(
        test.map((i) => model.probability(data.rows[i]!)),
        testLabels,
      ).toFixed(4),
    ),
    baselineAuc: Number(
      rocAuc(
        test.map((i) => data.rows[i]!.activities ?? 0),
        testLabels,
      ).toFixed(4),
    ),
    nTrain: train.length,
    nTest: test.length,
  };
}
