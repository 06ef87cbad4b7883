import type { IcimsStatusEvent } from '@status-bridge/core';
import { eventOrder, type EventOrderInput, type OrderBasis } from '../src/event-order';
import { buildStatusChange } from '../src/status-change';
import { parseIcimsDateTime } from '../src/records';

const RECEIVED = '2026-11-23T10:00:30.250Z';
const RECEIVED_MS = Date.parse(RECEIVED);
const JOB = 'c1234-w2203-1752-9782-mhxyz';
// iCIMS writes updateddate to the minute: the sandbox and iCIMS send "yyyy-mm-dd hh:mm a".
const SAME_MINUTE = parseIcimsDateTime('2026-11-23 10:00 AM')!;
const LATER_MINUTE = parseIcimsDateTime('2026-11-23 10:02 AM')!;
const EARLIER_MINUTE = parseIcimsDateTime('2026-11-23 09:58 AM')!;

const base: EventOrderInput = { receivedAt: RECEIVED, enrichJobId: JOB, eventStatusId: '9782' };

describe('eventOrder: the position of one event among its workflow\'s changes', () => {
  it.each<[string, Partial<EventOrderInput>, number, OrderBasis]>([
    ['workflow shows the event\'s status: receive time', { workflowStatusId: '9782', workflowUpdatedAt: SAME_MINUTE }, RECEIVED_MS, 'received'],
    ['workflow shows the event\'s status, updateddate later than the receive (clock skew): receive time', { workflowStatusId: '9782', workflowUpdatedAt: LATER_MINUTE }, RECEIVED_MS, 'received'],
    // The late re-send: B moved the workflow at 10:00:xx (floor 10:00:00); A arrives again at 10:00:30.
    ['workflow moved on in the same minute: capped before the update', { workflowStatusId: '9820', workflowUpdatedAt: SAME_MINUTE }, Date.parse(SAME_MINUTE) - 1, 'before-workflow-update'],
    ['workflow moved on before the event was received (ordinary lag): receive time, already earlier', { workflowStatusId: '9820', workflowUpdatedAt: LATER_MINUTE }, RECEIVED_MS, 'received'],
    ['workflow moved on minutes before the receive: capped', { workflowStatusId: '9820', workflowUpdatedAt: EARLIER_MINUTE }, Date.parse(EARLIER_MINUTE) - 1, 'before-workflow-update'],
    ['workflow moved on, no updateddate: receive time', { workflowStatusId: '9820' }, RECEIVED_MS, 'received'],
    ['workflow moved on, unreadable updateddate: receive time', { workflowStatusId: '9820', workflowUpdatedAt: 'yesterday' }, RECEIVED_MS, 'received'],
    ['status hidden from the integration user: receive time', { workflowUpdatedAt: EARLIER_MINUTE }, RECEIVED_MS, 'received'],
    ['no receive time, workflow shows the event\'s status: its updateddate', { receivedAt: '', workflowStatusId: '9782', workflowUpdatedAt: SAME_MINUTE }, Date.parse(SAME_MINUTE), 'workflow-update'],
    ['no receive time, workflow moved on: before its updateddate', { receivedAt: 'garbage', workflowStatusId: '9820', workflowUpdatedAt: SAME_MINUTE }, Date.parse(SAME_MINUTE) - 1, 'before-workflow-update'],
    ['no receive time, no updateddate: 0 (older than any known change)', { receivedAt: '', workflowStatusId: '9820' }, 0, 'unknown'],
    // The re-send window: a disagreeing update older than it cannot be the change that overtook this event.
    ['workflow moved on minutes before the receive, inside the window: capped', { workflowStatusId: '9820', workflowUpdatedAt: EARLIER_MINUTE, resendWindowMs: 3 * 60_000 }, Date.parse(EARLIER_MINUTE) - 1, 'before-workflow-update'],
    ['workflow moved on before the window: receive time', { workflowStatusId: '9820', workflowUpdatedAt: EARLIER_MINUTE, resendWindowMs: 60_000 }, RECEIVED_MS, 'received-workflow-too-old'],
    ["workflow at the event's status, old updateddate, small window: receive time", { workflowStatusId: '9782', workflowUpdatedAt: EARLIER_MINUTE, resendWindowMs: 1 }, RECEIVED_MS, 'received'],
    ['no receive time, window set: before the update', { receivedAt: '', workflowStatusId: '9820', workflowUpdatedAt: SAME_MINUTE, resendWindowMs: 1 }, Date.parse(SAME_MINUTE) - 1, 'before-workflow-update'],
  ])('%s', (_name, overrides, atMs, basis) => {
    const { position, basis: found } = eventOrder({ ...base, ...overrides });
    // A capped position carries what the order check needs to recognise an older change that the
    // minute-wide cap put after it: the receive time and the status the workflow moved on to; its
    // tie-break leads with the receive time.
    const received = Date.parse((overrides.receivedAt ?? base.receivedAt) as string);
    const cappedWithTime = basis === 'before-workflow-update' && Number.isFinite(received);
    const tiebreak = cappedWithTime ? `${new Date(received).toISOString()} ${JOB}` : JOB;
    expect({ position: { atMs: position.atMs, tiebreak: position.tiebreak }, basis: found }).toEqual({ position: { atMs, tiebreak }, basis });
    expect(position.capped).toEqual(cappedWithTime ? { receivedAtMs: received, workflowStatusId: overrides.workflowStatusId } : undefined);
  });

  it('a capped re-send sorts before the change that moved the workflow on, whatever second of the minute it came in', () => {
    for (const second of [0, 1, 30, 59]) {
      const newerReceived = Date.parse(SAME_MINUTE) + second * 1000;
      const resend = eventOrder({ ...base, receivedAt: new Date(newerReceived + 5_000).toISOString(), workflowStatusId: '9820', workflowUpdatedAt: SAME_MINUTE });
      expect(resend.position.atMs).toBeLessThan(newerReceived);
    }
  });
});

describe('events capped before the same update', () => {
  it('keep the order they were received in, whatever their ids', () => {
    // Ids lead with the statuses (c…-w…-old-new-time): 9782-9790 sorts after 1752-9782 by id alone, so try both ways round.
    for (const [first, second] of [['c1234-w2203-9782-9790-a', 'c1234-w2203-1752-9782-b'], ['c1234-w2203-1752-9782-a', 'c1234-w2203-9782-9790-b']]) {
      const moved = { workflowStatusId: '9820', workflowUpdatedAt: SAME_MINUTE };
      const earlier = eventOrder({ ...base, ...moved, enrichJobId: first, receivedAt: '2026-11-23T10:00:10.000Z' }).position;
      const later = eventOrder({ ...base, ...moved, enrichJobId: second, receivedAt: '2026-11-23T10:00:11.000Z' }).position;
      expect(earlier.atMs).toBe(later.atMs);
      expect(Buffer.compare(Buffer.from(later.tiebreak), Buffer.from(earlier.tiebreak))).toBe(1);
    }
  });
});

describe('buildStatusChange: occurredAt is this transition\'s time', () => {
  const event: IcimsStatusEvent = {
    eventType: 'WorkFlowStatusChangeEvent',
    customerId: '1234',
    systemId: '2203',
    personId: '1364',
    jobId: '1242',
    userId: '3',
    oldStatus: '1752',
    newStatus: '9782',
    links: [],
  };
  const input = (workflowStatusId: string) => {
    const workflow = { id: '2203', status: { id: workflowStatusId, value: 'Shown' }, updatedAt: SAME_MINUTE, custom: {} };
    return {
      tenantId: '1234',
      event,
      receivedAt: RECEIVED,
      enrichJobId: JOB,
      order: eventOrder({ receivedAt: RECEIVED, enrichJobId: JOB, eventStatusId: event.newStatus, workflowStatusId, workflowUpdatedAt: workflow.updatedAt }).position,
      workflow,
      person: { id: '1364', custom: {} },
      job: { id: '1242', custom: {} },
    };
  };

  it('workflow still at the event\'s status: the receive time, not the updateddate', () => {
    const change = buildStatusChange(input('9782'));
    expect(change.occurredAt).toBe(RECEIVED);
    expect(change.order).toEqual({ atMs: RECEIVED_MS, tiebreak: JOB });
    expect(change.newStatus.name).toBe('Shown');
  });

  it('workflow moved on: just before its update, and no status name (it is the newer status\'s)', () => {
    const change = buildStatusChange(input('9820'));
    expect(change.occurredAt).toBe('2026-11-23T09:59:59.999Z');
    expect(change.order?.atMs).toBe(Date.parse(SAME_MINUTE) - 1);
    expect(change.newStatus.name).toBeUndefined();
    expect(change.receivedAt).toBe(RECEIVED);
  });
});
