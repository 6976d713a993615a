// A deterministic, realistic demo workspace. Lead conversion and deal outcomes follow hidden logistic models
// of the records' attributes (source, role seniority, company size, industry, engagement, close-date slips,
// custom fields), so the agents' scoring models have something real to learn and be evaluated on.
import { en, Faker } from '@faker-js/faker';
import type { EntityTypeName, RecordRow, StageChange } from '../records/entity-types.ts';
import {
  activityOutcomes,
  activitySubjects,
  documentKinds,
  fill,
  followUpTemplates,
  type Industry,
  industries,
  leadSources,
  noteTemplates,
  projectTemplates,
  type RoleSpec,
  requirementTemplates,
  roles,
} from './vocabulary.ts';

/** Data is dated relative to a fixed day, so the same seed gives the same records on every run. */
export const SEED_ANCHOR = Date.parse('2026-11-01T00:00:00.000Z');
const DAY_MS = 86_400_000;
const HISTORY_DAYS = 540;

export interface SeedOptions {
  workspaceId: string;
  size: number;
  seed: number;
}

export type SeededRecords = Record<EntityTypeName, RecordRow[]>;

interface Company {
  name: string;
  domain: string;
  industry: Industry;
  employees: number;
  region: string;
}

export function generateWorkspace(options: SeedOptions): SeededRecords {
  const faker = new Faker({ locale: [en] });
  faker.seed(options.seed);
  const random = () => faker.number.float({ min: 0, max: 1 });
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const pick = <T>(items: readonly T[]): T => faker.helpers.arrayElement(items as T[]);
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const iso = (ms: number) => new Date(Math.min(ms, SEED_ANCHOR)).toISOString();
  const between = (fromMs: number, toMs: number) => fromMs + random() * Math.max(0, toMs - fromMs);
  const id = () => faker.string.uuid();
  const { workspaceId } = options;

  const counts = splitSize(options.size);
  const companies: Company[] = Array.from({ length: Math.max(10, Math.round(options.size / 25)) }, () => {
    const name = faker.company.name();
    return {
      name,
      domain: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example.com`,
      industry: pick(industries),
      employees: Math.round(Math.exp(Math.log(10) + random() * (Math.log(20_000) - Math.log(10)))),
      region: pick(['North America', 'Europe', 'Asia Pacific', 'Latin America']),
    };
  });
  const textValues = (company: Company, name = '') => ({
    company: company.name,
    industry: company.industry.name,
    product: pick(company.industry.products),
    pain: pick(company.industry.pains),
    seats: 5 * Math.ceil(Math.sqrt(company.employees)),
    name,
  });
  const sentences = (templates: readonly string[], n: number, values: Record<string, string | number>) =>
    faker.helpers
      .arrayElements(templates as string[], n)
      .map((template) => fill(template, values))
      .join(' ');
  const base = (createdMs: number, updatedMs = createdMs) => ({
    id: id(),
    workspaceId,
    createdAt: iso(createdMs),
    updatedAt: iso(Math.max(createdMs, updatedMs)),
  });

  // Contacts: people at the companies, with roles of varying seniority.
  const contactRoles = new Map<string, RoleSpec>();
  const contacts: RecordRow[] = Array.from({ length: counts.contact }, () => {
    const company = pick(companies);
    const role = pick(roles);
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const created = SEED_ANCHOR - random() * HISTORY_DAYS * DAY_MS;
    const record = {
      ...base(created),
      name: `${first} ${last}`,
      email: `${emailLocalPart(`${first}.${last}`)}@${company.domain}`,
      phone: faker.phone.number({ style: 'international' }),
      company: company.name,
      role: role.title,
      notes: sentences(noteTemplates, 2, textValues(company, first)),
      tags: faker.helpers.arrayElements(
        ['decision-maker', 'champion', 'technical', 'finance', 'newsletter'],
        {
          min: 0,
          max: 2,
        },
      ),
      custom: { industry: company.industry.name, employees: company.employees, region: company.region },
    };
    contactRoles.set(record.id, role);
    return record;
  });
  const contactsByCompany = new Map<string, RecordRow[]>();
  for (const contact of contacts) {
    const list = contactsByCompany.get(contact.company as string) ?? [];
    list.push(contact);
    contactsByCompany.set(contact.company as string, list);
  }

  // Leads: conversion follows a logistic model of their attributes plus a hidden interest that also drives
  // how much they engage (activities), so engagement is predictive as it is in real pipelines.
  const leadInterest = new Map<string, number>();
  const sourceWeights = leadSources.map((source) => ({ value: source, weight: source.weight }));
  const leads: RecordRow[] = Array.from({ length: counts.lead }, () => {
    const company = pick(companies);
    const role = pick(roles);
    const source = faker.helpers.weightedArrayElement(sourceWeights);
    const interest = normal();
    const trialStarted = random() < sigmoid(-0.8 + 1.2 * interest);
    const logit =
      -0.9 +
      source.conversionEffect +
      company.industry.conversionEffect +
      0.45 * (role.seniority - 1.5) +
      0.35 * Math.log10(company.employees / 200) +
      0.8 * interest +
      (trialStarted ? 0.9 : 0) +
      0.4 * normal();
    const created = SEED_ANCHOR - random() * HISTORY_DAYS * DAY_MS;
    const ageDays = (SEED_ANCHOR - created) / DAY_MS;
    const decided = ageDays > 45 || random() < ageDays / 60;
    const converts = random() < sigmoid(logit);
    const status = decided
      ? converts
        ? 'converted'
        : 'unqualified'
      : pick(['new', 'contacted', 'qualified'] as const);
    const convertedMs = status === 'converted' ? between(created + 3 * DAY_MS, created + 60 * DAY_MS) : null;
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const values = textValues(company, first);
    const record = {
      ...base(created, convertedMs ?? created + random() * 30 * DAY_MS),
      name: `${first} ${last}`,
      email: `${emailLocalPart(`${first[0]}${last}`)}@${company.domain}`,
      phone: random() < 0.6 ? faker.phone.number({ style: 'international' }) : null,
      company: company.name,
      role: role.title,
      source: source.name,
      status,
      requirements: sentences(requirementTemplates, 2, values),
      notes: sentences(noteTemplates, 2, values),
      convertedAt: convertedMs === null ? null : iso(convertedMs),
      tags: [],
      custom: {
        industry: company.industry.name,
        employees: company.employees,
        region: company.region,
        trialStarted,
      },
    };
    leadInterest.set(record.id, interest);
    return record;
  });

  // Deals: won or lost according to contact seniority, momentum (which also drives activity), close-date
  // slips and size against the typical deal.
  const dealMomentum = new Map<string, number>();
  const convertedLeads = leads.filter((lead) => lead.status === 'converted');
  const deals: RecordRow[] = Array.from({ length: counts.deal }, (_, index) => {
    const fromLead = convertedLeads[index];
    const company = fromLead
      ? (companies.find((c) => c.name === fromLead.company) ?? pick(companies))
      : pick(companies);
    const companyContacts = contactsByCompany.get(company.name);
    const contact = companyContacts ? pick(companyContacts) : pick(contacts);
    const seniority = contactRoles.get(contact.id)?.seniority ?? 1;
    const momentum = normal();
    const amount =
      Math.round((8_000 * (company.employees / 100) ** 0.35 * Math.exp(0.5 * normal())) / 500) * 500 + 500;
    const created = fromLead?.convertedAt
      ? Date.parse(fromLead.convertedAt as string)
      : SEED_ANCHOR - random() * HISTORY_DAYS * DAY_MS;
    const slips = Math.min(4, Math.floor(-Math.log(1 - random()) * Math.exp(-0.6 * momentum) * 0.7));
    const winLogit =
      -0.1 +
      0.55 * (seniority - 1.5) +
      0.9 * momentum -
      0.55 * slips -
      0.6 * Math.log(amount / 25_000) +
      0.5 * company.industry.conversionEffect +
      0.3 * normal();
    const ageDays = (SEED_ANCHOR - created) / DAY_MS;
    const closed = ageDays > 40 && random() < Math.min(0.95, ageDays / 120);
    const won = random() < sigmoid(winLogit);
    const openStages = ['prospecting', 'qualification', 'proposal', 'negotiation'] as const;
    const path: string[] = closed
      ? won
        ? [...openStages, 'closed_won']
        : [...openStages.slice(0, 1 + Math.floor(random() * 4)), 'closed_lost']
      : openStages.slice(0, 1 + Math.floor(random() * 4));
    const endMs = closed
      ? between(created + 20 * DAY_MS, Math.min(SEED_ANCHOR, created + 150 * DAY_MS))
      : SEED_ANCHOR;
    const stageHistory: StageChange[] = path.map((stage, step) => ({
      stage,
      from: step === 0 ? null : path[step - 1]!,
      at: iso(step === 0 ? created : created + ((endMs - created) * step) / (path.length - 1 || 1)),
    }));
    let closeMs = created + (30 + random() * 60) * DAY_MS;
    for (let slip = 0; slip < slips; slip++) closeMs += (14 + random() * 31) * DAY_MS;
    const values = textValues(company, contact.name as string);
    const status = closed ? (won ? 'won' : 'lost') : 'open';
    const record = {
      ...base(created, endMs),
      name: `${company.name} — ${values.product}`,
      description: fill('{company} wants {product} to address {pain}.', values),
      requirements: sentences(requirementTemplates, 2, values),
      notes: sentences(noteTemplates, 2, values),
      amount,
      currency: 'USD',
      stage: path.at(-1)!,
      status,
      expectedCloseDate: new Date(closeMs).toISOString().slice(0, 10),
      closeDateSlips: slips,
      closedAt: closed ? iso(endMs) : null,
      contactId: contact.id,
      leadId: fromLead?.id ?? null,
      company: company.name,
      stageHistory,
      custom: { industry: company.industry.name, employees: company.employees, region: company.region },
    };
    dealMomentum.set(record.id, momentum);
    return record;
  });

  // Activities: most go to leads and deals in proportion to their interest and momentum.
  type Target = { type: EntityTypeName; record: RecordRow; weight: number; fromMs: number; toMs: number };
  const targets: Target[] = [
    ...leads.map((lead) => ({
      type: 'lead' as const,
      record: lead,
      weight: Math.exp(0.9 * (leadInterest.get(lead.id) ?? 0)),
      fromMs: Date.parse(lead.createdAt),
      toMs: lead.convertedAt ? Date.parse(lead.convertedAt as string) : Date.parse(lead.updatedAt),
    })),
    ...deals.map((deal) => ({
      type: 'deal' as const,
      record: deal,
      weight: 1.5 * Math.exp(0.9 * (dealMomentum.get(deal.id) ?? 0)),
      fromMs: Date.parse(deal.createdAt),
      toMs: deal.closedAt ? Date.parse(deal.closedAt as string) : SEED_ANCHOR,
    })),
    ...contacts.map((contact) => ({
      type: 'contact' as const,
      record: contact,
      weight: 0.3,
      fromMs: Date.parse(contact.createdAt),
      toMs: SEED_ANCHOR,
    })),
  ];
  const totalWeight = targets.reduce((sum, target) => sum + target.weight, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const target of targets) {
    running += target.weight / totalWeight;
    cumulative.push(running);
  }
  const drawTarget = (): Target => {
    const u = random();
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < u) low = mid + 1;
      else high = mid;
    }
    return targets[low]!;
  };
  const activities: RecordRow[] = Array.from({ length: counts.activity }, () => {
    const target = drawTarget();
    const type = faker.helpers.weightedArrayElement([
      { value: 'email' as const, weight: 35 },
      { value: 'call' as const, weight: 25 },
      { value: 'meeting' as const, weight: 15 },
      { value: 'note' as const, weight: 15 },
      { value: 'task' as const, weight: 10 },
    ]);
    const occurred = between(target.fromMs, target.toMs);
    const company = companies.find((c) => c.name === target.record.company) ?? pick(companies);
    const values = textValues(company, String(target.record.name ?? ''));
    return {
      ...base(occurred),
      type,
      subject: pick(activitySubjects[type]!),
      notes: sentences(noteTemplates, 1 + Math.floor(random() * 2), values),
      outcome: type === 'note' ? null : pick(activityOutcomes),
      followUpNotes: random() < 0.5 ? fill(pick(followUpTemplates), values) : null,
      occurredAt: iso(occurred),
      relatedType: target.type,
      relatedId: target.record.id,
      custom: {},
    };
  });

  const wonDeals = deals.filter((deal) => deal.status === 'won');
  const projects: RecordRow[] = Array.from({ length: counts.project }, (_, index) => {
    const deal = wonDeals.length > 0 ? wonDeals[index % wonDeals.length]! : pick(deals);
    const company = companies.find((c) => c.name === deal.company) ?? pick(companies);
    const values = textValues(company);
    const template = pick(projectTemplates);
    const started = deal.closedAt ? Date.parse(deal.closedAt as string) : Date.parse(deal.createdAt);
    const ageDays = (SEED_ANCHOR - started) / DAY_MS;
    return {
      ...base(started),
      name: fill(template.name, values),
      description: fill(template.description, values),
      requirements: sentences(requirementTemplates, 2, values),
      notes: sentences(noteTemplates, 1, values),
      status: ageDays > 120 ? 'completed' : ageDays > 30 ? 'active' : 'planned',
      dealId: wonDeals.length > 0 ? deal.id : null,
      custom: {},
    };
  });

  const documents: RecordRow[] = Array.from({ length: counts.document }, () => {
    const deal = pick(deals);
    const company = companies.find((c) => c.name === deal.company) ?? pick(companies);
    const values = textValues(company);
    const kind = pick(documentKinds);
    return {
      ...base(between(Date.parse(deal.createdAt), SEED_ANCHOR)),
      title: fill(kind.title, values),
      content: kind.paragraphs.map((paragraph) => fill(paragraph, values)).join('\n\n'),
      summary: fill(kind.summary, values),
      mimeType: 'text/plain',
      relatedType: 'deal',
      relatedId: deal.id,
      custom: {},
    };
  });

  return {
    contact: contacts,
    lead: leads,
    deal: deals,
    activity: activities,
    project: projects,
    document: documents,
  };
}

function emailLocalPart(name: string): string {
  return name.toLowerCase().replace(/[^a-z.]/g, '');
}

function splitSize(size: number): Record<EntityTypeName, number> {
  const contact = Math.round(size * 0.25);
  const lead = Math.round(size * 0.2);
  const deal = Math.round(size * 0.12);
  const project = Math.round(size * 0.05);
  const document = Math.round(size * 0.05);
  return {
    contact,
    lead,
    deal,
    project,
    document,
    activity: Math.max(0, size - contact - lead - deal - project - document),
  };
}
