import seed from './seed-records.json';

/**
 * iCIMS records the sandbox serves, in iCIMS's response shapes (docs/partners/icims.md#records): lowercase keys,
 * dropdowns as `{id, value}`, profile links as `{profile, id, value}`, empty fields omitted.
 * Customer 1234 carries the seed example's ids (person 1364, job 1242, workflow 2203, user 3)
 * and matches config/tenants.example.json: the partner-specific values (the custom fields the
 * example tenant's partner sections name, the workflows' sources) are in seed-records.json. The
 * names, emails and phone numbers are invented.
 */

export type IcimsFixtureRecord = Record<string, unknown>;

export interface IcimsCustomerFixtures {
  people: Record<string, IcimsFixtureRecord>;
  jobs: Record<string, IcimsFixtureRecord>;
  applicantworkflows: Record<string, IcimsFixtureRecord>;
}

export type IcimsFixtures = Record<string, IcimsCustomerFixtures>;

/**
 * iCIMS DATETIME as the API writes it: UTC "yyyy-mm-dd hh:mm a", to the minute (docs/partners/icims.md#records,
 * Field Types). Written here independently of packages/icims's parser, so a mistake there shows.
 */
export function formatIcimsDateTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number): string => String(value).padStart(2, '0');
  const hours = date.getUTCHours();
  const hour12 = hours % 12 === 0 ? 12 : hours % 12;
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(hour12)}:${pad(date.getUTCMinutes())} ${hours < 12 ? 'AM' : 'PM'}`;
}

export const SEED_CUSTOMER_ID = '1234';
/** The application id workflow 2203 carries in field51234 (tenants.example.json's applicationIdField). */
export const SEED_ATSI_APPLICATION_ID = seed.applicationId;
/** The position profile id job 1242 carries in field61234 (tenants.example.json's positionProfileField). */
export const SEED_POSITION_PROFILE_ID = seed.positionProfileId;

const profileLink = (origin: string, customerId: string, kind: string, id: string, value: string): IcimsFixtureRecord => ({
  profile: `${origin}/customers/${customerId}/${kind}/${id}`,
  id: Number(id),
  value,
});

/** Builds the default fixtures; `origin` is the sandbox's own URL, so profile links point at it. */
export function defaultIcimsFixtures(origin: string): IcimsFixtures {
  const c = SEED_CUSTOMER_ID;
  const person = (id: string, first: string, last: string, email: string, phone?: string, extra: IcimsFixtureRecord = {}): IcimsFixtureRecord => ({
    id: Number(id),
    firstname: first,
    lastname: last,
    email,
    ...(phone ? { phones: [{ phonetype: { id: 'D84002', value: 'Mobile' }, phonenumber: phone }, { phonetype: { id: 'D84001', value: 'Home' }, phonenumber: '+61 3 9000 0000' }] } : {}),
    folder: { id: 'D12345', value: 'Active Candidate' },
    ...extra,
  });
  const job = (id: string, title: string, location: string, positionProfileId?: string): IcimsFixtureRecord => ({
    id: Number(id),
    jobtitle: title,
    joblocation: { ...profileLink(origin, c, 'locations', String(900 + Number(id) % 100), location) },
    folder: { id: 'D31001', value: 'Approved' },
    ...(positionProfileId ? { field61234: positionProfileId } : {}),
  });
  const workflow = (id: string, personId: string, jobId: string, status: { id: string; value: string }, extra: IcimsFixtureRecord = {}): IcimsFixtureRecord => ({
    id: Number(id),
    associatedprofile: profileLink(origin, c, 'people', personId, 'candidate'),
    baseprofile: profileLink(origin, c, 'jobs', jobId, 'job'),
    status,
    updateddate: '2026-11-23 09:41 AM',
    links: [{ rel: 'self', title: 'Recruiting Workflow Profile', url: `${origin}/customers/${c}/applicantworkflows/${id}` }],
    ...extra,
  });
  return {
    [c]: {
      people: {
        '1364': person('1364', 'Jordan', 'Sample', 'jordan.sample@example.com', '+61 400 000 001'),
        '1365': person('1365', 'Robin', 'Example', 'robin.example@example.com', undefined, { field71234: seed.candidateProfileId }),
        '1366': person('1366', 'Casey', 'Demo', 'casey.demo@example.com', '+61 400 000 003'),
        // The posting user (recruiter) of the seed.
        '3': person('3', 'Riley', 'Recruiter', 'riley.recruiter@example.com'),
      },
      jobs: {
        '1242': job('1242', 'Senior Software Engineer', 'Melbourne, VIC', SEED_POSITION_PROFILE_ID),
        '1243': job('1243', 'Warehouse Supervisor', 'Berlin'),
      },
      applicantworkflows: {
        // The seed: moved from 1752 (screening) to 9782 (interview).
        '2203': workflow('2203', '1364', '1242', { id: '9782', value: 'Second Interview' }, { source: seed.workflowSources['2203'], field51234: SEED_ATSI_APPLICATION_ID }),
        // No application id in field51234: this applicant came from another job board.
        '2204': workflow('2204', '1365', '1242', { id: 'D10100', value: 'Recently Applied' }, { source: seed.workflowSources['2204'] }),
        // No position profile on the job, no application id.
        '2205': workflow('2205', '1366', '1243', { id: '9820', value: 'Rejected' }, { source: { id: 'D95001', value: 'Career Site' } }),
      },
    },
    // Another customer, so tests can show that links for it are refused / answered 404.
    '5678': {
      people: { '1364': person('1364', 'Other', 'Customer', 'other@example.com') },
      jobs: { '1242': job('1242', 'Other job', 'Sydney, NSW') },
      applicantworkflows: { '2203': workflow('2203', '1364', '1242', { id: '9782', value: 'Interview' }) },
    },
  };
}

/**
 * Generated applicants, for load runs (bench/) that need thousands of distinct workflows and
 * people: applicant `i` (0 ≤ i < count) is workflow GENERATED_IDS.workflow + i of person
 * GENERATED_IDS.person + i, applying to job GENERATED_IDS.job + i % jobs (jobs are shared, as
 * at a real customer, so a job cache sees repeats). Records are built when asked for, not
 * stored; ids past `count` answer 404 like any missing record. Shapes and custom fields as the
 * seed workflow 2203 (the partners' ids in field51234 and field61234, see seed-records.json),
 * status 9782 "Second Interview"; the invented people have distinct emails.
 */
export interface GeneratedApplicants {
  customerId: string;
  count: number;
  jobs: number;
}

export const GENERATED_IDS = { workflow: 10_000_000, person: 20_000_000, job: 30_000_000 } as const;

/** The ids of generated applicant `index`: what an event for it names. */
export function generatedApplicant(index: number, jobs: number): { systemId: string; personId: string; jobId: string } {
  return { systemId: String(GENERATED_IDS.workflow + index), personId: String(GENERATED_IDS.person + index), jobId: String(GENERATED_IDS.job + (index % jobs)) };
}

/** The AtsiApplicationId of generated applicant `index`: a valid UUID (version 4 layout) unique per applicant. */
export function generatedAtsiApplicationId(index: number): string {
  return `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

/** The record of a generated applicant, job or person; undefined when the id is not one. */
export function generatedIcimsRecord(origin: string, generated: GeneratedApplicants, kind: keyof IcimsCustomerFixtures, id: string): IcimsFixtureRecord | undefined {
  if (!/^\d+$/.test(id)) return undefined;
  const c = generated.customerId;
  const index = Number(id) - GENERATED_IDS[kind === 'applicantworkflows' ? 'workflow' : kind === 'people' ? 'person' : 'job'];
  if (index < 0 || index >= (kind === 'jobs' ? generated.jobs : generated.count)) return undefined;
  if (kind === 'people') {
    return {
      id: Number(id),
      firstname: 'Load',
      lastname: `Applicant ${index}`,
      email: `applicant-${index}@example.com`,
      phones: [{ phonetype: { id: 'D84002', value: 'Mobile' }, phonenumber: `+61 400 ${String(index).padStart(6, '0')}` }],
      folder: { id: 'D12345', value: 'Active Candidate' },
    };
  }
  if (kind === 'jobs') {
    return {
      id: Number(id),
      jobtitle: `Generated job ${index}`,
      joblocation: profileLink(origin, c, 'locations', String(900 + (index % 100)), 'Melbourne, VIC'),
      folder: { id: 'D31001', value: 'Approved' },
      field61234: `${seed.positionProfileId.replace(/:[^:]*$/, '')}:generated${index}`,
    };
  }
  const { personId, jobId } = generatedApplicant(index, generated.jobs);
  return {
    id: Number(id),
    associatedprofile: profileLink(origin, c, 'people', personId, 'candidate'),
    baseprofile: profileLink(origin, c, 'jobs', jobId, 'job'),
    status: { id: '9782', value: 'Second Interview' },
    updateddate: '2026-11-23 09:41 AM',
    links: [{ rel: 'self', title: 'Recruiting Workflow Profile', url: `${origin}/customers/${c}/applicantworkflows/${id}` }],
    source: seed.workflowSources['2203'],
    field51234: generatedAtsiApplicationId(index),
  };
}
