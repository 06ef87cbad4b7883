import type { IcimsStatusEvent, Tenants } from '@status-bridge/core';
import { apiOrigin, checkEventRecordUrls, FIELD_DESCRIPTIONS, type EventRecordProblem, type IcimsRecordKind } from '@status-bridge/icims';
import { reply, type Reply } from './responses';

/**
 * Event links checked at the door, with the worker's own allow-list (packages/icims event-links.ts)
 * against the origin the worker will call: the tenant's `icims.apiBaseUrl`, else ICIMS_API_BASE_URL.
 * Before this, a refused link was answered 200 and failed later in the worker; the corrected
 * re-send was then de-duplicated into that failed job and never delivered. Now it is a 400 that
 * names the link, and nothing is enqueued. The worker keeps its check (defence in depth).
 *
 * Ingest itself never requests a link: this only reads the strings.
 */
export interface LinkRefusal {
  reply: Reply;
  /** The field at fault for the log line, e.g. "links[1].url" or "systemId". */
  field: string;
  code: string;
}

const RECORD_WORDS: Record<IcimsRecordKind, string> = { applicantworkflows: 'applicant workflow', people: 'person', jobs: 'job' };
/** The user link names a person record too; the recruiter reads "user". */
const recordWords = (problem: Extract<EventRecordProblem, { type: 'link' }>): string => (problem.idField === 'userId' ? 'user' : RECORD_WORDS[problem.record]);
// Untrusted text is echoed to the recruiter only when it is short and plain.
const SAFE_TITLE = /^[A-Za-z0-9 ._()&'/-]{1,64}$/;
const SAFE_HOST = /^[A-Za-z0-9.:[\]-]{1,80}$/;
const AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\\\s]*)/;

export class EventLinkGate {
  /** customerId → API origin, resolved once at start (the hot path does a Map lookup). */
  private readonly origins = new Map<string, string>();
  private readonly defaultOrigin: string;

  constructor(tenants: Tenants, defaultBaseUrl: string) {
    this.defaultOrigin = apiOrigin(defaultBaseUrl);
    for (const customerId of tenants.ids()) {
      const own = tenants.get(customerId)?.icims?.apiBaseUrl;
      this.origins.set(customerId, own ? apiOrigin(own) : this.defaultOrigin);
    }
  }

  originFor(customerId: string): string {
    return this.origins.get(customerId) ?? this.defaultOrigin;
  }

  /** undefined when every followed link is allowed (or the event has none); else the 400 to answer. */
  check(event: IcimsStatusEvent): LinkRefusal | undefined {
    const origin = this.originFor(event.customerId);
    const result = checkEventRecordUrls(event, origin);
    return result.ok ? undefined : describeRefusal(result.problem, event, origin);
  }
}

function hostOf(link: string): string | undefined {
  const authority = AUTHORITY.exec(link)?.[1];
  return authority && SAFE_HOST.test(authority) ? authority.toLowerCase() : undefined;
}

function why(problem: Extract<EventRecordProblem, { type: 'link' }>, link: string, event: IcimsStatusEvent, origin: string): string {
  const record = recordWords(problem);
  switch (problem.code) {
    case 'foreign_host': {
      const host = hostOf(link);
      return `it points to ${host ? host : 'another host'}, not to this customer's iCIMS API (${new URL(origin).host}). If this customer's iCIMS account is hosted at that address, ask the integration vendor to set it as the customer's iCIMS API address`;
    }
    case 'other_customer':
      return `it points to another iCIMS customer's records, not to customer ${event.customerId}`;
    case 'other_kind':
      return `it does not point to a ${record} record`;
    case 'id_mismatch':
      return `it names ${record} ${problem.linkId}, but the event is for ${record} ${problem.eventId} (${problem.idField})`;
    case 'not_record_path':
      return `its path is not a plain iCIMS record address such as /customers/${event.customerId}/${problem.record}/<id> (no "..", encoded characters or extra segments)`;
    case 'userinfo':
      return 'its address carries a user name or password (an "@" before the host name)';
    case 'query_or_fragment':
      return 'its address has a query string or a fragment ("?" or "#")';
    case 'bad_characters':
      return 'its address contains a backslash or a space';
    case 'id_too_long':
      return 'its record id is longer than 18 digits';
    case 'not_http_url':
    default:
      return 'it is not a plain http(s) web address';
  }
}

function describeRefusal(problem: EventRecordProblem, event: IcimsStatusEvent, origin: string): LinkRefusal {
  if (problem.type === 'id') {
    const what = FIELD_DESCRIPTIONS[problem.idField] ?? problem.idField;
    return {
      field: problem.idField,
      code: 'bad_id',
      reply: reply(
        400,
        'bad_id',
        `The status change could not be sent: ${what} (${problem.idField}) is longer than 18 digits, so its iCIMS record cannot be read. Please check the event; if it keeps happening, contact your iCIMS administrator.`,
        `${problem.idField}: ${problem.message}`,
      ),
    };
  }
  const link = String(event.links[problem.index]?.url ?? '');
  const title = SAFE_TITLE.test(problem.title) ? `"${problem.title}" ` : '';
  const rel = SAFE_TITLE.test(problem.rel) ? problem.rel : recordWords(problem);
  const field = `links[${problem.index}].url`;
  return {
    field,
    code: problem.code,
    reply: reply(
      400,
      'link_refused',
      `The status change could not be sent: the event's link ${title}(${rel}) was refused because ${why(problem, link, event, origin)}. Nothing was requested from that link. Please ask your iCIMS administrator or the integration vendor to check the links this workflow sends.`,
      `${field} refused by the link allow-list (${problem.code}): ${problem.message}`,
    ),
  };
}
