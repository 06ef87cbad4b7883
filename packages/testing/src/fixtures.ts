import type { StatusChange } from '@status-bridge/core';
import { gzipSync } from 'node:zlib';

/** The iCIMS Status Flow Update example, byte for byte as in the iCIMS documentation's Status Flow Update example (docs/partners/icims.md#the-event). */
export const SEED_EVENT_JSON = `{
    "newStatus": "9782",
    "oldStatus": "1752",
    "customerId": "1234",
    "jobId": "1242",
    "userId": "3",
    "personId": "1364",
    "links": [
        {
            "title": "Applicant Workflow",
            "rel": "applicantWorkflow",
            "url": "https://api.icims.com/customers/1234/applicantworkflows/2203"
        },
        {
            "title": "Job Profile",
            "rel": "job",
            "url": "https://api.icims.com/customers/1234/jobs/1242"
        },
        {
            "title": "Person Profile",
            "rel": "person",
            "url": "https://api.icims.com/customers/1234/people/1364"
        },
        {
            "title": "Posting User",
            "rel": "user",
            "url": "https://api.icims.com/customers/1234/people/3"
        }
    ],
    "eventType": "WorkFlowStatusChangeEvent",
    "systemId": "2203"
}`;

export const SEED_EVENT = JSON.parse(SEED_EVENT_JSON) as Record<string, unknown>;

/** The seed's `Link` header, trailing comma included. */
export const SEED_LINK_HEADER =
  'https://api.icims.com/customers/1234/applicantworkflows/2203;rel="applicantWorkflow";title="Applicant Workflow",https://api.icims.com/customers/1234/jobs/1242;rel="job";title="Job Profile",https://api.icims.com/customers/1234/people/1364;rel="person";title="Person Profile",https://api.icims.com/customers/1234/people/3;rel="user";title="Posting User",';

export const SEED_USER_AGENT = 'Apache-HttpClient/4.2.1 (java 1.5)';

/** Headers iCIMS sends with the seed example (auth added by the caller). */
export function seedHeaders(body: Buffer): Record<string, string> {
  return {
    Connection: 'close',
    Link: SEED_LINK_HEADER,
    'Content-Length': String(body.length),
    'Content-Type': 'application/json',
    'Content-Encoding': 'gzip',
    'User-Agent': SEED_USER_AGENT,
    'Accept-Encoding': 'gzip,deflate',
  };
}

/** The seed's origin: its links point at the iCIMS API, ICIMS_API_BASE_URL's default. */
export const SEED_ORIGIN = 'https://api.icims.com';

/**
 * The seed's four links (workflow, job, person, posting user), naming the given ids at `origin`,
 * as iCIMS builds them. Ingest and the worker refuse a link that names another record than the
 * event's ids, so a fixture that changes an id must change its links too.
 */
export function seedLinks(ids: { customerId?: unknown; systemId?: unknown; jobId?: unknown; personId?: unknown; userId?: unknown } = {}, origin = SEED_ORIGIN): Array<{ title: string; rel: string; url: string }> {
  const id = (value: unknown, seed: string): string => (typeof value === 'string' ? value : seed);
  const base = `${origin}/customers/${id(ids.customerId, '1234')}`;
  return [
    { title: 'Applicant Workflow', rel: 'applicantWorkflow', url: `${base}/applicantworkflows/${id(ids.systemId, '2203')}` },
    { title: 'Job Profile', rel: 'job', url: `${base}/jobs/${id(ids.jobId, '1242')}` },
    { title: 'Person Profile', rel: 'person', url: `${base}/people/${id(ids.personId, '1364')}` },
    { title: 'Posting User', rel: 'user', url: `${base}/people/${id(ids.userId, '3')}` },
  ];
}

/**
 * The seed event with some fields replaced. Unless `links` is among the overrides, its links are
 * rebuilt to name the event's own ids at `origin` (the seed's, unchanged, for the seed's ids).
 */
export function seedEvent(overrides: Record<string, unknown> = {}, origin = SEED_ORIGIN): Record<string, unknown> {
  const event = { ...SEED_EVENT, ...overrides };
  return 'links' in overrides ? event : { ...event, links: seedLinks(event, origin) };
}

/** `seedEvent` as JSON text. */
export function eventJson(overrides: Record<string, unknown> = {}, origin = SEED_ORIGIN): string {
  return JSON.stringify(seedEvent(overrides, origin));
}

export function gzipped(text: string): Buffer {
  return gzipSync(Buffer.from(text, 'utf8'));
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * A StatusChange for the seed's workflow (customer 1234, workflow 2203, person 1364, job 1242),
 * as the enrichment worker builds it; tests override what they are about. Candidate data is
 * made up (the name is a job board's own documentation example).
 */
export function sampleStatusChange(overrides: Partial<StatusChange> = {}): StatusChange {
  return {
    tenantId: '1234',
    customerId: '1234',
    systemId: '2203',
    personId: '1364',
    jobId: '1242',
    userId: '3',
    oldStatus: { id: '1752', stage: 'screening' },
    newStatus: { id: '9782', stage: 'interview', name: 'Second interview' },
    occurredAt: '2026-11-23T18:00:00.000Z',
    receivedAt: '2026-11-23T18:00:01.000Z',
    candidate: { formattedName: 'Hayden Robinson', givenName: 'Hayden', familyName: 'Robinson', email: 'hayden@example.com', phone: '+61 400 000 000' },
    job: { title: 'Warehouse lead' },
    enrichJobId: 'c1234-w2203-1752-9782-abc',
    ...overrides,
  };
}
