import { createHash } from 'node:crypto';
import type { IcimsCustomerFixtures, IcimsFixtureRecord } from './fixtures';
import SEED_RECORDS from './seed-records.json';

/**
 * Many distinct applications, for load and fault tests: application `index` of a customer gets its
 * own workflow, candidate and application id for the partner that sent it, all derived from the index, so a test
 * maps what a partner received back to the application without asking the sandbox. Jobs are
 * shared by several applications (as in a real requisition), which exercises the job cache.
 *
 * Fields follow config/tenants.example.json and the test tenants (seed-records.json says which
 * partner reads which field): workflow `field51234` holds the job board's application id, job
 * `field61234` a position profile id derived from the seed's. People carry no candidate profile
 * field, so a partner that needs one creates it once per candidate. Names and emails are invented.
 */
export interface GeneratedApplication {
  index: number;
  customerId: string;
  systemId: string;
  personId: string;
  jobId: string;
  atsiApplicationId: string;
  positionProfileId: string;
}

export interface GeneratedApplicationOptions {
  /** How many distinct jobs the applications share (default 10). */
  jobs?: number;
  /** The workflow's status before the first event (default D10100, "Recently Applied"). */
  initialStatus?: string;
}

// Far from the seed's ids (1364, 1242, 2203), so generated and seed records never collide.
export const GENERATED_FIRST_SYSTEM_ID = 500_000;
export const GENERATED_FIRST_PERSON_ID = 600_000;
export const GENERATED_FIRST_JOB_ID = 700_000;

/** Display names of the iCIMS status ids used by the sandbox (as a workflow's `status.value`). */
export const ICIMS_STATUS_NAMES: Readonly<Record<string, string>> = {
  D10100: 'Recently Applied',
  '1752': 'Screening',
  '9782': 'Second Interview',
  '9790': 'Assessment',
  '9800': 'Offer',
  '9810': 'Hired',
  '9820': 'Rejected',
  '9830': 'Withdrawn',
};

/** A name-based UUID (RFC 4122 version 5 layout over SHA-1): the same name always gives the same id. */
function nameUuid(name: string): string {
  const bytes = createHash('sha1').update(`status-bridge-sandbox/${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The AtsiApplicationId the sandbox gives a generated workflow. */
export function atsiApplicationIdFor(customerId: string, systemId: string): string {
  return nameUuid(`atsi/${customerId}/${systemId}`);
}

export function generatedApplication(customerId: string, index: number, options: GeneratedApplicationOptions = {}): GeneratedApplication {
  const jobs = Math.max(1, options.jobs ?? 10);
  const systemId = String(GENERATED_FIRST_SYSTEM_ID + index);
  const jobId = String(GENERATED_FIRST_JOB_ID + (index % jobs));
  return {
    index,
    customerId,
    systemId,
    personId: String(GENERATED_FIRST_PERSON_ID + index),
    jobId,
    atsiApplicationId: atsiApplicationIdFor(customerId, systemId),
    positionProfileId: `${SEED_RECORDS.positionProfileId.replace(/:[^:]*$/, '')}:gen${jobId}`,
  };
}

export function workflowStatus(statusId: string): { id: string; value: string } {
  return { id: statusId, value: ICIMS_STATUS_NAMES[statusId] ?? `Status ${statusId}` };
}

/** Adds `count` generated applications (from index `first`) to a customer's records; returns them. */
export function addGeneratedApplications(
  customer: IcimsCustomerFixtures,
  origin: string,
  customerId: string,
  count: number,
  options: GeneratedApplicationOptions & { first?: number } = {},
): GeneratedApplication[] {
  const first = options.first ?? 0;
  const link = (kind: string, id: string, value: string): IcimsFixtureRecord => ({ profile: `${origin}/customers/${customerId}/${kind}/${id}`, id: Number(id), value });
  const applications: GeneratedApplication[] = [];
  for (let index = first; index < first + count; index += 1) {
    const application = generatedApplication(customerId, index, options);
    const { systemId, personId, jobId } = application;
    customer.people[personId] = {
      id: Number(personId),
      firstname: 'Candidate',
      lastname: `No${personId}`,
      email: `candidate-${personId}@example.com`,
      folder: { id: 'D12345', value: 'Active Candidate' },
    };
    customer.jobs[jobId] ??= {
      id: Number(jobId),
      jobtitle: `Generated job ${jobId}`,
      joblocation: link('locations', '901', 'Melbourne, VIC'),
      folder: { id: 'D31001', value: 'Approved' },
      field61234: application.positionProfileId,
    };
    customer.applicantworkflows[systemId] = {
      id: Number(systemId),
      associatedprofile: link('people', personId, 'candidate'),
      baseprofile: link('jobs', jobId, 'job'),
      status: workflowStatus(options.initialStatus ?? 'D10100'),
      updateddate: '2026-11-23 09:41 AM',
      source: SEED_RECORDS.workflowSources['2203'],
      field51234: application.atsiApplicationId,
      links: [{ rel: 'self', title: 'Recruiting Workflow Profile', url: `${origin}/customers/${customerId}/applicantworkflows/${systemId}` }],
    };
    applications.push(application);
  }
  return applications;
}
