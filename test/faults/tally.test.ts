import { generatedApplication } from '@status-bridge/sandbox/src/icims';
import type { StoredItem } from '@status-bridge/seek/src/sandbox';
import type { ReceivedStatus } from '@status-bridge/stepstone/src/sandbox';
import { AnswerLost, CUSTOMER_ID, seekIdOf, stepstoneStatusOf, tally, type Posted } from './harness';

/**
 * The suite's counting, on hand-made records (no processes): what counts as lost, superseded,
 * an explained or unexplained duplicate, and a wrong final status.
 */
const app = (index: number) => generatedApplication(CUSTOMER_ID, index);

function posted(index: number, seq: number, oldStatus: string, newStatus: string, httpStatus = 200): Posted {
  return { application: app(index), seq, oldStatus, newStatus, sentAt: seq, answeredAt: seq, httpStatus };
}

function atStepStone(event: Posted, extra: Partial<ReceivedStatus> = {}): ReceivedStatus {
  return { at: 0, path: '/', token: 't', body: { AtsiApplicationId: event.application.atsiApplicationId, Status: stepstoneStatusOf(event.newStatus) }, ...extra };
}

function atSeek(event: Posted): StoredItem {
  return { id: `item-${event.application.systemId}-${event.seq}`, profileId: 'p', idempotencyId: seekIdOf(event)!, item: {}, createdAt: 0 };
}

test('every event delivered once: nothing lost, no duplicates, final statuses right', () => {
  const events = [posted(0, 0, '1752', '9782'), posted(0, 1, '9782', '9820'), posted(1, 0, 'D10100', '1752')];
  const result = tally(events, events.map((event) => atStepStone(event)), events.map(atSeek));
  expect(result).toMatchObject({ sent: 3, acknowledged: 3, delivered: { stepstone: 3, seek: 3 }, lost: 0, superseded: 0, wrongFinalStatus: 0 });
  expect(result.duplicates).toMatchObject({ stepstone: { count: 0 }, seek: { count: 0 } });
});

test('StepStone: an older change that never arrived is superseded by a newer one that did; SEEK still counts it lost', () => {
  const [older, newer] = [posted(0, 0, '1752', '9782'), posted(0, 1, '9782', '9820')];
  const result = tally([older, newer], [atStepStone(newer)], [atSeek(newer)]);
  expect(result).toMatchObject({ superseded: 1, lost: 1, delivered: { stepstone: 1, seek: 1 }, wrongFinalStatus: 0 });
  expect(result.lostSamples).toEqual([expect.stringMatching(/^seek: workflow 500000 #0/)]);
});

test('the newest change missing while an older one arrived: lost, and the final status is wrong', () => {
  const [older, newer] = [posted(0, 0, '1752', '9782'), posted(0, 1, '9782', '9820')];
  const result = tally([older, newer], [atStepStone(older)], [atSeek(older), atSeek(newer)]);
  expect(result).toMatchObject({ lost: 1, wrongFinalStatus: 1 });
});

test('an older status arriving after the newer one is a wrong final status, not a loss', () => {
  const [older, newer] = [posted(0, 0, '1752', '9782'), posted(0, 1, '9782', '9820')];
  const result = tally([older, newer], [atStepStone(newer), atStepStone(older)], [atSeek(older), atSeek(newer)]);
  expect(result).toMatchObject({ lost: 0, wrongFinalStatus: 1 });
  expect(result.wrongSamples).toEqual([expect.stringContaining('StepStone shows INTERVIEW, newest change workflow 500000 #1 9782→9820 maps to REJECTED')]);
});

test('unacknowledged posts are not lost; one that arrived anyway is the newest change', () => {
  const [acked, refused] = [posted(0, 0, '1752', '9782'), posted(0, 1, '9782', '9820', 503)];
  expect(tally([acked, refused], [atStepStone(acked)], [atSeek(acked)])).toMatchObject({ acknowledged: 1, lost: 0, wrongFinalStatus: 0 });
  // The 503 came after Redis stored it (a timed-out add): StepStone must then end on it.
  expect(tally([acked, refused], [atStepStone(refused), atStepStone(acked)], [atSeek(acked)])).toMatchObject({ wrongFinalStatus: 1 });
});

test('StepStone repeats are explained only by a lost answer, one repeat per lost answer seen from either side', () => {
  const event = posted(0, 0, '1752', '9782');
  const twice = [atStepStone(event), atStepStone(event)];
  expect(tally([event], twice, [atSeek(event)]).duplicates.stepstone).toMatchObject({ count: 1, explained: 0, unexplained: 1 });

  const inFlight = new AnswerLost();
  inFlight.addInFlight([{ atsiApplicationId: event.application.atsiApplicationId, status: 'INTERVIEW' }], 'the kill -9');
  expect(tally([event], twice, [atSeek(event)], inFlight).duplicates.stepstone).toMatchObject({ count: 1, explained: 1, unexplained: 0 });

  // The same lost answer seen by the worker (timeout) and by StepStone (unanswered) allows one repeat, not two.
  const seenTwice = new AnswerLost();
  const unanswered = [atStepStone(event, { unanswered: true }), atStepStone(event), atStepStone(event)];
  seenTwice.addUnanswered(unanswered);
  seenTwice.addTimedOut([{ atsiApplicationId: event.application.atsiApplicationId, status: 'INTERVIEW' }]);
  expect(tally([event], unanswered, [atSeek(event)], seenTwice).duplicates.stepstone).toMatchObject({ count: 2, explained: 1, unexplained: 1 });
});

test('SEEK: two items for one idempotencyId are a duplicate; refused events count as sent only', () => {
  const event = posted(0, 0, '1752', '9782');
  const bad = { ...posted(1, 0, '1752', '9782'), refused: true as const };
  const result = tally([event, bad], [atStepStone(event)], [atSeek(event), { ...atSeek(event), id: 'again' }]);
  expect(result).toMatchObject({ sent: 2, acknowledged: 2, lost: 0, delivered: { stepstone: 1, seek: 1 } });
  expect(result.duplicates.seek.count).toBe(1);
});
