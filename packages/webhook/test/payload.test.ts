import { sampleStatusChange } from '@status-bridge/testing';
import { buildWebhookPayload, webhookIdOf, withoutCandidate, WEBHOOK_EVENT_TYPE } from '../src/payload';

const DATA_FIELDS = ['changeId', 'customerId', 'jobId', 'newStatus', 'occurredAt', 'oldStatus', 'personId', 'receivedAt', 'workflowId'];

describe('buildWebhookPayload', () => {
  const change = sampleStatusChange();

  it('builds the versioned envelope: type, version, timestamp = occurredAt, data with ids and statuses', () => {
    expect(buildWebhookPayload(change, 'interview', { includeCandidate: false })).toEqual({
      type: WEBHOOK_EVENT_TYPE,
      version: 1,
      timestamp: '2026-11-23T18:00:00.000Z',
      data: {
        customerId: '1234',
        workflowId: '2203',
        personId: '1364',
        jobId: '1242',
        changeId: 'c1234-w2203-1752-9782-abc',
        oldStatus: { id: '1752', stage: 'screening' },
        newStatus: { id: '9782', stage: 'interview', name: 'Second interview' },
        occurredAt: '2026-11-23T18:00:00.000Z',
        receivedAt: '2026-11-23T18:00:01.000Z',
      },
    });
  });

  const table: Array<[string, Parameters<typeof sampleStatusChange>[0], boolean, string[], Record<string, unknown> | undefined]> = [
    ['ids and statuses only by default', {}, false, DATA_FIELDS, undefined],
    ['candidate name and email when included', {}, true, [...DATA_FIELDS, 'candidate'].sort(), { name: 'Hayden Robinson', givenName: 'Hayden', familyName: 'Robinson', email: 'hayden@example.com' }],
    [
      'missing candidate parts are null, not absent',
      { candidate: { formattedName: 'Sam Doe' } },
      true,
      [...DATA_FIELDS, 'candidate'].sort(),
      { name: 'Sam Doe', givenName: null, familyName: null, email: null },
    ],
  ];
  it.each(table)('%s', (_name, overrides, includeCandidate, fields, candidate) => {
    const payload = buildWebhookPayload(sampleStatusChange(overrides), 'interview', { includeCandidate });
    expect(Object.keys(payload.data).sort()).toEqual(fields);
    expect(payload.data.candidate).toEqual(candidate);
  });

  it.each([
    ['an unmapped old status', { oldStatus: { id: '4242' } }, { id: '4242', stage: null }, { id: '9782', stage: 'offer', name: 'Second interview' }],
    ['no status name', { newStatus: { id: '9782', stage: 'interview' as const } }, { id: '1752', stage: 'screening' }, { id: '9782', stage: 'offer', name: null }],
    ['a blank status name', { newStatus: { id: '9782', name: '   ' } }, { id: '1752', stage: 'screening' }, { id: '9782', stage: 'offer', name: null }],
  ])('%s', (_name, overrides, oldStatus, newStatus) => {
    // The stage passed in (the webhook mapping's choice) is the one sent, whatever the change's own stage.
    const payload = buildWebhookPayload(sampleStatusChange(overrides), 'offer', { includeCandidate: false });
    expect(payload.data.oldStatus).toEqual(oldStatus);
    expect(payload.data.newStatus).toEqual(newStatus);
  });

  it('never carries the phone, the job title, the source, the user, the order position or anything else of the change', () => {
    const text = JSON.stringify(
      buildWebhookPayload(sampleStatusChange({ source: 'SEEK', order: { atMs: 1, tiebreak: 'x' }, userId: '777' }), 'interview', { includeCandidate: true }),
    );
    for (const absent of ['+61 400 000 000', 'Warehouse lead', 'SEEK', 'tiebreak', '"777"', 'userId', 'tenantId', 'phone']) expect(text).not.toContain(absent);
  });

  it('withoutCandidate drops only the candidate', () => {
    const full = buildWebhookPayload(change, 'interview', { includeCandidate: true });
    const thin = buildWebhookPayload(change, 'interview', { includeCandidate: false });
    expect(withoutCandidate(full)).toEqual(thin);
    expect(full.data.candidate).toBeDefined();
    expect(withoutCandidate(thin)).toBe(thin);
  });
});

describe('webhookIdOf', () => {
  it.each([
    ['c1234-w2203-1752-9782-lq3x4-webhook-crm', 'c1234-w2203-1752-9782-lq3x4-webhook-crm'],
    ['c1234-w2203-A.1-B_2-lq3x4-webhook-crm', 'c1234-w2203-A%2E1-B_2-lq3x4-webhook-crm'],
    ['a%2E', 'a%252E'],
    ['a:b', 'a%3Ab'],
  ])('%s → %s (no "." ever; one-to-one)', (jobId, expected) => {
    expect(webhookIdOf(jobId)).toBe(expected);
    expect(webhookIdOf(jobId)).not.toContain('.');
  });

  it('different job ids never share a webhook-id', () => {
    expect(webhookIdOf('a.b')).not.toBe(webhookIdOf('a%2Eb'));
  });
});
