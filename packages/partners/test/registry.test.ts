import { FAILURE_TAG_PATTERN } from '@status-bridge/core';
import { PARTNER_KEYS, PARTNERS, QUEUE_KEYS, QUEUES } from '../src';

/** What every registered partner must get right, so that everything derived from the registry works. */
describe('the partner registry', () => {
  it('keys are unique, readable as failure-reason tags and metric labels, and not taken by the core', () => {
    expect(new Set(PARTNER_KEYS).size).toBe(PARTNER_KEYS.length);
    for (const key of PARTNER_KEYS) {
      expect(key).toMatch(FAILURE_TAG_PATTERN);
      expect(['enrich', 'icims']).not.toContain(key);
    }
  });

  it('queue names and job names are unique (queued jobs live under them)', () => {
    const names = QUEUE_KEYS.map((key) => QUEUES[key].name);
    expect(new Set(names).size).toBe(names.length);
    const jobNames = QUEUE_KEYS.map((key) => QUEUES[key].jobName);
    expect(new Set(jobNames).size).toBe(jobNames.length);
  });

  it.each(PARTNERS.map((partner) => [partner.key, partner] as const))('%s: its section schema, env and statuses are complete', (_key, partner) => {
    expect(partner.tenant.schema).toMatchObject({ type: 'object', properties: expect.any(Object) });
    // Core adds these to every section; a partner must not define them differently.
    for (const common of ['enabled', 'stageMapping', 'statusOverrides']) expect(Object.keys((partner.tenant.schema as { properties: object }).properties)).not.toContain(common);
    for (const [name, property] of Object.entries(partner.env.properties)) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(property.description.length).toBeGreaterThan(10);
    }
    for (const status of Object.values(partner.statuses.defaultsByStage)) expect(partner.statuses.accepted({} as never)).toContain(status);
    expect(partner.queue.attempts).toBeGreaterThan(1);
  });
});
