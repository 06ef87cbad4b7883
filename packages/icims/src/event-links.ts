import { PermanentError, type IcimsStatusEvent } from '@status-bridge/core';
import { checkRecordLink, recordUrl, type IcimsRecordKind } from './links';

/**
 * The URLs of the three records behind an event, from its links when present (each checked by
 * the allow-list), else built from the configured origin and the event's ids. A refused link
 * refuses the whole event before ANY request: following the other two would still tell an
 * attacker which ids exist.
 */
export interface EventRecordUrls {
  workflow: { url: string; id: string };
  person: { url: string; id: string };
  job: { url: string; id: string };
}

// rel values from the captured iCIMS events (research A0): camelCase rel, lowercase path.
const RECORDS: Array<{ key: keyof EventRecordUrls; rel: string; kind: IcimsRecordKind; id: (event: IcimsStatusEvent) => string; idName: string }> = [
  { key: 'workflow', rel: 'applicantworkflow', kind: 'applicantworkflows', id: (event) => event.systemId, idName: 'systemId' },
  { key: 'person', rel: 'person', kind: 'people', id: (event) => event.personId, idName: 'personId' },
  { key: 'job', rel: 'job', kind: 'jobs', id: (event) => event.jobId, idName: 'jobId' },
];

export function resolveEventRecordUrls(event: IcimsStatusEvent, origin: string, tenantId: string): EventRecordUrls {
  const out = {} as EventRecordUrls;
  for (const record of RECORDS) {
    const expectedId = record.id(event);
    const links = (event.links ?? []).filter((link) => typeof link?.rel === 'string' && link.rel.toLowerCase() === record.rel);
    let url: string | undefined;
    for (const link of links) {
      const decision = checkRecordLink(String(link.url), { origin, customerId: event.customerId, kind: record.kind });
      if (!decision.allowed) {
        throw new PermanentError(`refused the event's ${link.rel} link: ${decision.reason}; no request was made`, { partner: 'icims', tenantId, code: 'LINK_REFUSED' });
      }
      // The link must name the record the event names; a mismatch is tampering or a broken event.
      if (decision.id !== expectedId) {
        throw new PermanentError(`refused the event's ${link.rel} link: it names ${record.kind} ${decision.id}, the event's ${record.idName} is ${expectedId}; no request was made`, {
          partner: 'icims',
          tenantId,
          code: 'LINK_REFUSED',
        });
      }
      url ??= decision.url;
    }
    try {
      out[record.key] = { url: url ?? recordUrl(origin, event.customerId, record.kind, expectedId), id: expectedId };
    } catch (error) {
      throw new PermanentError(`cannot build the ${record.kind} URL: ${(error as Error).message}`, { partner: 'icims', tenantId, code: 'BAD_ID' });
    }
  }
  return out;
}
