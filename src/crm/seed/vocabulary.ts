// Word banks for the demo data: industries, roles, sources, needs, and sentence templates that read like
// real CRM notes, so that search and summaries have real language to work on.

export interface Industry {
  name: string;
  /** Log-odds added to a lead's conversion: some industries buy more readily. */
  conversionEffect: number;
  products: string[];
  pains: string[];
}

export const industries: Industry[] = [
  {
    name: 'Technology',
    conversionEffect: 0.5,
    products: ['API integration platform', 'developer analytics suite', 'cloud CRM connector'],
    pains: [
      'disconnected tools across engineering and sales',
      'manual data entry between systems',
      'slow API rate limits',
    ],
  },
  {
    name: 'Healthcare',
    conversionEffect: -0.3,
    products: ['patient outreach module', 'HIPAA-compliant messaging', 'clinic scheduling add-on'],
    pains: ['strict compliance and audit requirements', 'missed patient follow-ups', 'paper-based referrals'],
  },
  {
    name: 'Finance',
    conversionEffect: 0.1,
    products: ['advisor pipeline workspace', 'compliance reporting pack', 'client onboarding workflow'],
    pains: ['slow client onboarding', 'regulatory reporting overhead', 'fragmented client records'],
  },
  {
    name: 'Retail',
    conversionEffect: 0.2,
    products: ['loyalty campaign engine', 'store manager dashboard', 'customer segmentation toolkit'],
    pains: ['low repeat purchase rates', 'no single view of the customer', 'seasonal demand spikes'],
  },
  {
    name: 'Manufacturing',
    conversionEffect: -0.2,
    products: ['distributor portal', 'field service scheduler', 'quote-to-order automation'],
    pains: [
      'long quoting cycles',
      'poor visibility into distributor sales',
      'spreadsheet-driven forecasting',
    ],
  },
  {
    name: 'Education',
    conversionEffect: -0.5,
    products: ['admissions CRM', 'alumni engagement suite', 'enrollment analytics'],
    pains: ['tight budgets and long approval cycles', 'low alumni engagement', 'manual admissions tracking'],
  },
  {
    name: 'Logistics',
    conversionEffect: 0.0,
    products: ['shipment tracking notifications', 'carrier account manager', 'route-level reporting'],
    pains: ['customers calling for shipment status', 'carrier contracts tracked in email', 'late invoices'],
  },
  {
    name: 'Media',
    conversionEffect: 0.3,
    products: ['advertiser pipeline tracker', 'sponsorship deal desk', 'audience insights dashboard'],
    pains: [
      'ad sales tracked in spreadsheets',
      'sponsorship renewals slipping',
      'no audience data for sales',
    ],
  },
];

export interface RoleSpec {
  title: string;
  /** 0 individual contributor … 3 executive; decision power drives conversion and deal wins. */
  seniority: number;
}

export const roles: RoleSpec[] = [
  { title: 'Chief Executive Officer', seniority: 3 },
  { title: 'Chief Technology Officer', seniority: 3 },
  { title: 'Chief Financial Officer', seniority: 3 },
  { title: 'VP of Sales', seniority: 2 },
  { title: 'VP of Operations', seniority: 2 },
  { title: 'Head of IT', seniority: 2 },
  { title: 'Director of Marketing', seniority: 2 },
  { title: 'Sales Manager', seniority: 1 },
  { title: 'Operations Manager', seniority: 1 },
  { title: 'Product Manager', seniority: 1 },
  { title: 'Business Analyst', seniority: 0 },
  { title: 'Software Engineer', seniority: 0 },
  { title: 'Marketing Coordinator', seniority: 0 },
  { title: 'Account Executive', seniority: 0 },
];

export const leadSources: { name: string; conversionEffect: number; weight: number }[] = [
  { name: 'referral', conversionEffect: 1.0, weight: 12 },
  { name: 'partner', conversionEffect: 0.6, weight: 8 },
  { name: 'webinar', conversionEffect: 0.3, weight: 12 },
  { name: 'website', conversionEffect: 0.0, weight: 30 },
  { name: 'trade_show', conversionEffect: -0.1, weight: 10 },
  { name: 'paid_ads', conversionEffect: -0.5, weight: 18 },
  { name: 'cold_call', conversionEffect: -0.9, weight: 10 },
];

export const requirementTemplates = [
  'Needs {product} to address {pain}.',
  'Looking for a way to fix {pain} before the next fiscal year.',
  'Wants {product} with single sign-on and role-based permissions.',
  'Requires integration with their existing ERP and email systems.',
  'Evaluating {product}; main concern is {pain}.',
  'Must support {seats} users and export reports to spreadsheets.',
  'Asked for data migration from their legacy CRM and training for the sales team.',
  'Interested in automated reporting dashboards for leadership.',
];

export const noteTemplates = [
  '{name} mentioned that {pain} is costing the team hours every week.',
  'Spoke with {name} about {product}; they want a demo for the wider team.',
  '{company} is comparing us with two competitors on price and onboarding time.',
  'Budget is approved for this quarter, pending sign-off from the CFO.',
  'Decision expected after their internal review next month.',
  '{name} asked for case studies from other {industry} companies.',
  'They are unhappy with their current vendor because of {pain}.',
  'Security questionnaire requested before any pilot can start.',
  'Champion is enthusiastic but has limited influence over the budget.',
  'Timeline slipped because their IT team is busy with a migration.',
  '{company} plans to expand to new regions and needs multi-currency support.',
  'Pricing feedback: the per-seat cost is above what they expected.',
];

export const activitySubjects: Record<string, string[]> = {
  call: ['Discovery call', 'Follow-up call', 'Pricing discussion', 'Check-in call'],
  email: ['Sent proposal', 'Shared case study', 'Follow-up email', 'Answered security questions'],
  meeting: ['Product demo', 'On-site workshop', 'Executive briefing', 'Quarterly business review'],
  note: ['Internal note', 'Account research', 'Competitive intel'],
  task: ['Prepare proposal', 'Send contract', 'Schedule demo', 'Update forecast'],
};

export const activityOutcomes = [
  'Positive: agreed on next steps.',
  'Neutral: needs more information.',
  'Asked for a revised quote.',
  'No answer; will try again.',
  'Requested a technical deep dive.',
  'Introduced us to the decision maker.',
  'Raised concerns about implementation effort.',
];

export const followUpTemplates = [
  'Send the revised proposal by Friday.',
  'Book a technical session with their IT lead.',
  'Share references from {industry} customers.',
  'Follow up after their budget meeting.',
  'Prepare a rollout plan for {seats} seats.',
];

export const documentKinds = [
  {
    title: 'Proposal for {company}',
    summary: 'Commercial proposal covering scope, pricing and rollout of {product}.',
    paragraphs: [
      'This proposal describes how {product} will help {company} address {pain}.',
      'The rollout is planned in three phases: discovery, configuration and training.',
      'Pricing is based on {seats} named users with an annual subscription.',
      'Our team will migrate existing records and integrate with the current email system.',
      'Success will be measured by adoption, time saved per week and pipeline visibility.',
    ],
  },
  {
    title: 'Meeting notes: {company} workshop',
    summary: 'Notes from the requirements workshop with {company}.',
    paragraphs: [
      'Attendees discussed the current process and where it breaks down.',
      'The biggest problem raised was {pain}.',
      'The team asked whether {product} supports approval workflows and audit trails.',
      'Action items were assigned to both sides with a review in two weeks.',
    ],
  },
  {
    title: 'Security review for {company}',
    summary: 'Answers to the security and compliance questionnaire from {company}.',
    paragraphs: [
      'Data is encrypted in transit and at rest, and access is role based.',
      'Single sign-on and audit logs are available on the enterprise plan.',
      '{company} requires data residency in their region and a signed processing agreement.',
    ],
  },
  {
    title: 'Account plan: {company}',
    summary: 'Strategy for growing the {company} account over the next year.',
    paragraphs: [
      '{company} operates in {industry} and is growing quickly.',
      'The main expansion opportunity is {product} for additional teams.',
      'Risks include budget pressure and a competing internal project.',
      'Quarterly business reviews will track adoption and satisfaction.',
    ],
  },
];

export const projectTemplates = [
  {
    name: '{company} onboarding',
    description: 'Roll out {product} to the {company} team and migrate their data.',
  },
  {
    name: '{company} integration',
    description: 'Connect {product} with the ERP and email systems at {company}.',
  },
  {
    name: '{company} reporting',
    description: 'Build leadership dashboards and weekly reports for {company}.',
  },
];

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}
