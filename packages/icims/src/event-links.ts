import { PermanentError, type IcimsStatusEvent } from '@status-bridge/core';
import { checkRecordLink, recordUrl, type IcimsRecordKind, type LinkRefusalCode } from './links';

/**
 * The URLs of the records behind an event (workflow, person, job, and the acting user), from its
 * links when present (each checked by the allow-list), else built from the configured origin and
 * the event's ids. A refused link refuses the whole event before ANY request: following the
 * others would still tell an attacker which ids exist. The user link (rel `user`, "Posting User")
 * is checked like the others, as a `people` record naming the event's userId.
 *
 * The same check runs twice: at ingest (`checkEventRecordUrls`, so a bad link is answered 400 and
 * never becomes a job) and in the enrich worker (`resolveEventRecordUrls`, defence in depth for
 * jobs that reached the queue another way, e.g. a replay or an older ingest).
 */
export interface EventRecordUrls {
  workflow: { url: string; id: string };
  person: { url: string; id: string };
  job: { url: string; id: string };
  /**
   * The user who changed the status (read only when a partner asks for the actor). Absent when
   * the event's userId cannot make a URL (more than 18 digits) and it sent no link: the actor is
   * optional data, so that is no reason to refuse the event.
   */
  user?: { url: string; id: string };
}

export type EventIdField = 'systemId' | 'personId' | 'jobId' | 'userId';

/** Why an event's records cannot be read; `message` is the worker's failure text (no secrets, no PII). */
export type EventRecordProblem =
  | {
      type: 'link';
      /** Index in `event.links`, for the field path `links[i].url`. */
      index: number;
      rel: string;
      title: string;
      record: IcimsRecordKind;
      code: LinkRefusalCode | 'id_mismatch';
      /** For `id_mismatch`: the id the link names and the event's own id. */
      linkId?: string;
      eventId?: string;
      idField: EventIdField;
      message: string;
    }
  | { type: 'id'; record: IcimsRecordKind; idField: EventIdField | 'customerId'; message: string };

export type EventRecordCheck = { ok: true; urls: EventRecordUrls } | { ok: false; problem: EventRecordProblem };

// rel values from the captured iCIMS events (docs/partners/icims.md#the-event): camelCase rel, lowercase path.
const RECORDS: Array<{ key: keyof EventRecordUrls; rel: string; kind: IcimsRecordKind; id: (event: IcimsStatusEvent) => string; idName: EventIdField; optional?: true }> = [
  { key: 'workflow', rel: 'applicantworkflow', kind: 'applicantworkflows', id: (event) => event.systemId, idName: 'systemId' },
  { key: 'person', rel: 'person', kind: 'people', id: (event) => event.personId, idName: 'personId' },
  { key: 'job', rel: 'job', kind: 'jobs', id: (event) => event.jobId, idName: 'jobId' },
  // iCIMS users are person profiles: the seed's "Posting User" link is /customers/1234/people/3.
  { key: 'user', rel: 'user', kind: 'people', id: (event) => event.userId, idName: 'userId', optional: true },
];

const DIGITS = /^[0-9]{1,18}$/;

/** The allow-list over every followed link of an event, without throwing (ingest's variant). */
export function checkEventRecordUrls(event: IcimsStatusEvent, origin: string): EventRecordCheck {
  const out = {} as EventRecordUrls;
  const links = event.links ?? [];
  // Checked first: checkRecordLink and recordUrl build URLs from it and throw on more than 18 digits.
  if (!DIGITS.test(event.customerId)) return { ok: false, problem: idProblem('applicantworkflows', 'customerId', event.customerId, event.systemId) };
  for (const record of RECORDS) {
    const expectedId = record.id(event);
    let url: string | undefined;
    for (let index = 0; index < links.length; index += 1) {
      const link = links[index];
      if (typeof link?.rel !== 'string' || link.rel.toLowerCase() !== record.rel) continue;
      const base = { type: 'link' as const, index, rel: link.rel, title: String(link.title ?? ''), record: record.kind, idField: record.idName };
      const decision = checkRecordLink(String(link.url), { origin, customerId: event.customerId, kind: record.kind });
      if (!decision.allowed) {
        return { ok: false, problem: { ...base, code: decision.code, message: `refused the event's ${link.rel} link: ${decision.reason}; no request was made` } };
      }
      // The link must name the record the event names; a mismatch is tampering or a broken event.
      if (decision.id !== expectedId) {
        return {
          ok: false,
          problem: {
            ...base,
            code: 'id_mismatch',
            linkId: decision.id,
            eventId: expectedId,
            message: `refused the event's ${link.rel} link: it names ${record.kind} ${decision.id}, the event's ${record.idName} is ${expectedId}; no request was made`,
          },
        };
      }
      url ??= decision.url;
    }
    if (url === undefined) {
      // No link: the URL is built from the ids, which must fit recordUrl's rule (the schema allows 20 digits).
      if (!DIGITS.test(expectedId) && record.optional) continue;
      if (!DIGITS.test(expectedId)) return { ok: false, problem: idProblem(record.kind, record.idName, event.customerId, expectedId) };
      url = recordUrl(origin, event.customerId, record.kind, expectedId);
    }
    out[record.key] = { url, id: expectedId };
  }
  return { ok: true, urls: out };
}

function idProblem(record: IcimsRecordKind, idField: EventIdField | 'customerId', customerId: string, id: string): EventRecordProblem {
  return { type: 'id', record, idField, message: `cannot build the ${record} URL: iCIMS ids must be at most 18 digits (customer ${customerId}, ${record} ${id})` };
}

/** The worker's variant: the URLs, or a PermanentError (LINK_REFUSED or BAD_ID) before any request. */
export function resolveEventRecordUrls(event: IcimsStatusEvent, origin: string, tenantId: string): EventRecordUrls {
  const check = checkEventRecordUrls(event, origin);
  if (check.ok) return check.urls;
  const { problem } = check;
  throw new PermanentError(problem.message, { partner: 'icims', tenantId, code: problem.type === 'link' ? 'LINK_REFUSED' : 'BAD_ID' });
}
