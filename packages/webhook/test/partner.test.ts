import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  CANONICAL_STAGES,
  ConfigError,
  createLogger,
  PermanentError,
  RetryableError,
  type DeliveryOutcome,
  type DeliveryRequest,
  type PartnerRuntime,
  type StatusChange,
} from '@status-bridge/core';
import { cleanupPrefix, sampleStatusChange, TEST_REDIS_URL, uniquePrefix } from '@status-bridge/testing';
import { EndpointHolds } from '../src/endpoint-hold';
import type { WebhookEnv } from '../src/env';
import { partner } from '../src/partner';
import type { WebhookDelivery } from '../src/plan';
import { startWebhookSandbox, type WebhookSandbox } from '../src/sandbox';
import type { WebhookSection } from '../src/section';
import { newSigningSecret } from '../src/signing-secret';

/**
 * The definition driven directly, as the registry's enrich loop and delivery shell will drive it:
 * plan → job data → deliver, against the receiver sandbox (real HTTP) with endpoint holds in a real
 * Redis under this file's own prefix.
 */
const prefix = uniquePrefix('webhook-partner');
const secrets: Record<string, string> = {
  T1234_CRM: newSigningSecret(),
  T1234_AUDIT: newSigningSecret(),
  T1234_AUDIT_OLD: newSigningSecret(),
  T5678_CRM: newSigningSecret(),
};
const env: WebhookEnv = {
  WEBHOOK_REQUEST_TIMEOUT_MS: 1_000,
  WEBHOOK_MAX_SOCKETS: 10,
  WEBHOOK_DEFAULT_RETRY_AFTER_MS: 5_000,
  WEBHOOK_MAX_RETRY_AFTER_MS: 60_000,
  WEBHOOK_RATE_LIMIT_PATIENCE_MS: 3_600_000,
  WEBHOOK_ALLOW_HTTP: false,
};

/** A change ingest received just now (the fixture's date may lie beyond WEBHOOK_RATE_LIMIT_PATIENCE_MS). */
const change = (overrides: Partial<StatusChange> = {}): StatusChange => sampleStatusChange({ receivedAt: new Date().toISOString(), ...overrides });

let sandbox: WebhookSandbox;
let redis: Redis;
let sections: Record<string, WebhookSection>;

function runtime(overrides: Partial<PartnerRuntime<WebhookSection, WebhookEnv>> = {}): PartnerRuntime<WebhookSection, WebhookEnv> {
  return {
    redis,
    prefix,
    logger: createLogger('webhook-test', 'error'),
    env,
    tenantIds: () => Object.keys(sections),
    section: (tenantId) => sections[tenantId],
    secret: (envName) => {
      if (!(envName in secrets)) throw new ConfigError(`secret ${envName} was not loaded`);
      return secrets[envName];
    },
    ...overrides,
  };
}

const plan = (tenantId: string, status: string, statusChange: StatusChange = change({ tenantId, customerId: tenantId })) =>
  partner.plan({ tenantId, section: sections[tenantId], statusChange, status, records: { workflow: { custom: {} }, person: { custom: {} }, job: { custom: {} } } }, { redis, prefix, logger: createLogger('webhook-test', 'error') });

/** The delivery jobs a plan makes, as the registry shell will add them (id `<enrich id>-webhook-<part>`). */
async function plannedJobs(tenantId: string, status: string, statusChange?: StatusChange): Promise<Array<DeliveryRequest<WebhookSection, WebhookDelivery> & { notes: string[] }>> {
  const planned = statusChange ?? change({ tenantId, customerId: tenantId });
  const result = await plan(tenantId, status, planned);
  if (!('deliveries' in result)) throw new Error(`expected deliveries, got ${JSON.stringify(result)}`);
  return result.deliveries.map(({ part, delivery }) => {
    const notes: string[] = [];
    return {
      tenantId,
      section: sections[tenantId],
      // Job data goes through Redis as JSON.
      statusChange: JSON.parse(JSON.stringify(planned)) as StatusChange,
      delivery: JSON.parse(JSON.stringify(delivery)) as WebhookDelivery,
      jobId: `${planned.enrichJobId}-webhook-${part}`,
      attempt: 1,
      maxAttempts: partner.queue.attempts,
      note: async (line: string) => {
        notes.push(line);
      },
      notes,
    };
  });
}

beforeAll(async () => {
  sandbox = await startWebhookSandbox({ secrets: { T1234_CRM: secrets.T1234_CRM, T1234_AUDIT_OLD: secrets.T1234_AUDIT_OLD, T5678_CRM: secrets.T5678_CRM } });
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
});

function freshSections(): Record<string, WebhookSection> {
  return {
    '1234': {
      endpoints: {
        crm: { url: sandbox.endpointUrl('1234', 'crm'), secretEnv: 'T1234_CRM' },
        // The audit receiver still holds the old secret: rotation in progress.
        audit: { url: sandbox.endpointUrl('1234', 'audit'), secretEnv: 'T1234_AUDIT', previousSecretEnv: 'T1234_AUDIT_OLD', stages: ['hired', 'rejected'], includeCandidate: true },
        paused: { url: 'https://paused.example.com/in', secretEnv: 'NOT_LOADED', enabled: false },
      },
    },
    '5678': { endpoints: { crm: { url: sandbox.endpointUrl('5678', 'crm'), secretEnv: 'T5678_CRM', stages: ['hired'] } } },
  };
}

beforeEach(() => {
  sandbox.reset();
  sections = freshSections();
});

afterAll(async () => {
  await sandbox.close();
  redis.disconnect();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

describe('the definition', () => {
  it('is the webhook partner: its queue, its vocabulary (the stages themselves), no extra iCIMS reads', () => {
    expect(partner.key).toBe('webhook');
    expect(partner.queue).toMatchObject({ name: 'deliver-webhook', jobName: 'webhook-status', attempts: 35 });
    expect(partner.statuses.accepted(sections['1234'])).toEqual(CANONICAL_STAGES);
    expect(partner.statuses.defaultsByStage).toEqual(Object.fromEntries(CANONICAL_STAGES.map((stage) => [stage, stage])));
    expect(partner.icimsNeeds(sections['1234'])).toEqual({});
    expect(partner.tenant.secrets(sections['1234']).map((secret) => secret.env)).toEqual(['T1234_CRM', 'T1234_AUDIT', 'T1234_AUDIT_OLD']);
    expect(Object.keys(partner.env.properties).every((name) => name.startsWith('WEBHOOK_'))).toBe(true);
  });

  it('.env.example lists every variable it reads', () => {
    const listed = new Set([...readFileSync(join(__dirname, '..', '..', '..', '.env.example'), 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect(Object.keys(partner.env.properties).filter((name) => !listed.has(name))).toEqual([]);
  });
});

describe('plan', () => {
  it.each([
    ['interview: only the endpoint that wants every stage', '1234', 'interview', ['crm']],
    ['hired: both enabled endpoints of the tenant', '1234', 'hired', ['crm', 'audit']],
    ['hired for the other tenant: its own endpoint', '5678', 'hired', ['crm']],
  ])('%s', async (_name, tenantId, status, parts) => {
    const result = await plan(tenantId, status);
    expect('deliveries' in result && result.deliveries.map((delivery) => delivery.part)).toEqual(parts);
  });

  it('a stage no endpoint subscribes to is a counted skip; so is a status that is no stage', async () => {
    expect(await plan('5678', 'interview')).toEqual({ skip: 'no_endpoint_for_stage', detail: 'no enabled webhook endpoint of tenant 5678 subscribes to stage interview' });
    expect(await plan('5678', 'INTERVIEW')).toMatchObject({ skip: 'invalid_partner_status' });
  });

  it('builds each endpoint its payload: the candidate only where included, the stage the mapping chose', async () => {
    const result = await plan('1234', 'hired');
    if (!('deliveries' in result)) throw new Error('expected deliveries');
    const [crm, audit] = result.deliveries.map((planned) => planned.delivery);
    expect(crm.endpoint).toBe('crm');
    expect(crm.payload.data.candidate).toBeUndefined();
    expect(crm.payload.data.newStatus.stage).toBe('hired');
    expect(audit.payload.data.candidate).toEqual({ name: 'Hayden Robinson', givenName: 'Hayden', familyName: 'Robinson', email: 'hayden@example.com' });
    // Job data holds no secret and no URL: both are looked up when sending.
    const text = JSON.stringify(result);
    for (const value of [...Object.values(secrets), sandbox.url, 'T1234_CRM']) expect(text).not.toContain(value);
  });
});

describe('createDeliverer', () => {
  it('refuses to start on a malformed secret or a plain-http URL off loopback, naming every variable and field', () => {
    sections['1234'].endpoints.crm.url = 'http://receiver.internal/in';
    const bad = `whsec_${'ab'.repeat(32)}1`;
    let error: unknown;
    try {
      partner.createDeliverer(runtime({ secret: (name) => (name === 'T1234_AUDIT' ? bad : secrets[name]) }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      'tenants.1234.webhook.endpoints.crm.url must be https: plain http is allowed only to loopback (127.0.0.1, ::1, localhost) unless WEBHOOK_ALLOW_HTTP=true (development only)',
      expect.stringContaining('T1234_AUDIT (referenced by tenants.1234.webhook.endpoints.audit.secretEnv) is not a Standard Webhooks signing secret'),
    ]);
    expect(message).not.toContain(bad.slice(6));
    // The switched-off endpoint's unloaded secret is not asked for.
  });

  it('starts with WEBHOOK_ALLOW_HTTP for a plain-http URL off loopback', async () => {
    sections['1234'].endpoints.crm.url = 'http://receiver.internal/in';
    const deliverer = await partner.createDeliverer(runtime({ env: { ...env, WEBHOOK_ALLOW_HTTP: true } }));
    await deliverer.close();
  });
});

describe('deliver', () => {
  let deliver: (request: DeliveryRequest<WebhookSection, WebhookDelivery>) => Promise<DeliveryOutcome>;
  let close: () => Promise<void>;
  beforeAll(async () => {
    sections = freshSections();
    const deliverer = await partner.createDeliverer(runtime());
    deliver = (request) => deliverer.deliver(request);
    close = () => deliverer.close();
  });
  afterAll(() => close());

  it('delivers each job to its endpoint, signed with its secret (both during rotation), webhook-id = job id', async () => {
    const jobs = await plannedJobs('1234', 'hired');
    const outcomes = await Promise.all(jobs.map((job) => deliver(job)));
    expect(outcomes).toEqual([
      { outcome: 'delivered', detail: { endpoint: 'crm', httpStatus: 200 } },
      { outcome: 'delivered', detail: { endpoint: 'audit', httpStatus: 200 } },
    ]);
    const byPath = Object.fromEntries(sandbox.received.map((received) => [received.path, received]));
    expect(byPath['/hooks/1234/crm']).toMatchObject({ webhookId: jobs[0].jobId, signatures: 1, verification: { library: true, manual: true, secretName: 'T1234_CRM' } });
    expect(byPath['/hooks/1234/audit']).toMatchObject({ webhookId: jobs[1].jobId, signatures: 2, verification: { library: true, manual: true, secretName: 'T1234_AUDIT_OLD' } });
    expect(byPath['/hooks/1234/crm'].body).toEqual(jobs[0].delivery.payload);
    expect((byPath['/hooks/1234/audit'].body as { data: { candidate?: unknown } }).data.candidate).toBeDefined();
  });

  it('a retried delivery keeps its webhook-id; the receiver processes it once', async () => {
    const [job] = await plannedJobs('5678', 'hired', change({ tenantId: '5678', customerId: '5678', enrichJobId: 'c5678-w1-a-b-retry' }));
    sandbox.failNext(1, 503);
    await expect(deliver(job)).rejects.toBeInstanceOf(RetryableError);
    await expect(deliver({ ...job, attempt: 2 })).resolves.toMatchObject({ outcome: 'delivered' });
    await expect(deliver({ ...job, attempt: 3 })).resolves.toMatchObject({ outcome: 'delivered' }); // a stalled job run again
    expect(new Set(sandbox.requests.map((request) => request.webhookId))).toEqual(new Set([job.jobId]));
    expect(sandbox.received).toHaveLength(1);
    expect(sandbox.duplicates()).toBe(1);
  });

  it('410 → PermanentError with the fix in its message', async () => {
    const [job] = await plannedJobs('5678', 'hired');
    sandbox.goneNext(1);
    const error = (await deliver(job).catch((caught: unknown) => caught)) as PermanentError;
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('410 Gone');
    expect(error.message).toContain('tenants.5678.webhook.endpoints.crm.url');
  });

  it("429 → later with the endpoint's delay (no attempt spent); the endpoint is held for the tenant's other jobs, not for other endpoints", async () => {
    const [first] = await plannedJobs('1234', 'interview', change({ enrichJobId: 'c1234-w2203-1752-9782-limited1' }));
    const [second] = await plannedJobs('1234', 'interview', change({ enrichJobId: 'c1234-w2203-1752-9782-limited2' }));
    sandbox.rateLimitNext(1, 30);
    expect(await deliver(first)).toEqual({ outcome: 'later', delayMs: 30_000, reason: 'endpoint_rate_limited' });
    expect(first.notes).toEqual(['endpoint crm answered 429: waiting 30000 ms, no attempt spent']);

    const holds = new EndpointHolds(redis, prefix);
    expect(await holds.remainingMs('1234', 'crm')).toBeGreaterThan(20_000);
    const held = await deliver(second);
    expect(held).toMatchObject({ outcome: 'later', reason: 'endpoint_held' });
    expect((held as { delayMs: number }).delayMs).toBeGreaterThan(20_000);
    expect(sandbox.requests).toHaveLength(1);

    // Another tenant's endpoint on the same receiver is not held.
    const [other] = await plannedJobs('5678', 'hired');
    await expect(deliver(other)).resolves.toMatchObject({ outcome: 'delivered' });
    await redis.del(holds.key('1234', 'crm'));
  });

  it('a 429 for a change older than WEBHOOK_RATE_LIMIT_PATIENCE_MS spends an attempt (RetryableError)', async () => {
    const old = change({ tenantId: '5678', customerId: '5678', receivedAt: new Date(Date.now() - 2 * 3_600_000).toISOString(), enrichJobId: 'c5678-old' });
    const [job] = await plannedJobs('5678', 'hired', old);
    sandbox.rateLimitNext(1, 1);
    const error = (await deliver(job).catch((caught: unknown) => caught)) as RetryableError;
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('WEBHOOK_RATE_LIMIT_PATIENCE_MS');
    await redis.del(new EndpointHolds(redis, prefix).key('5678', 'crm'));
  });

  it('the tenants file as loaded now wins over the job: includeCandidate switched off drops the candidate; an endpoint removed, switched off or unsubscribed is skipped', async () => {
    const [crm, audit] = await plannedJobs('1234', 'hired');
    const auditOff = { ...sections['1234'].endpoints.audit, includeCandidate: false };
    await expect(deliver({ ...audit, section: { endpoints: { ...sections['1234'].endpoints, audit: auditOff } } })).resolves.toMatchObject({ outcome: 'delivered' });
    expect((sandbox.received[0].body as { data: Record<string, unknown> }).data).not.toHaveProperty('candidate');
    expect(JSON.stringify(sandbox.received[0].body)).not.toContain('hayden');

    const { crm: _removed, ...withoutCrm } = sections['1234'].endpoints;
    expect(await deliver({ ...crm, section: { endpoints: withoutCrm } })).toEqual({ outcome: 'skipped', reason: 'endpoint_removed' });
    expect(await deliver({ ...crm, section: { endpoints: { ...withoutCrm, crm: { ...sections['1234'].endpoints.crm, enabled: false } } } })).toEqual({ outcome: 'skipped', reason: 'endpoint_disabled' });
    expect(await deliver({ ...crm, section: { endpoints: { ...withoutCrm, crm: { ...sections['1234'].endpoints.crm, stages: ['offer'] } } } })).toEqual({ outcome: 'skipped', reason: 'stage_unsubscribed' });
    expect(sandbox.requests).toHaveLength(1);
  });
});
