/**
 * The link allow-list. An event's `links[]` are untrusted input (anyone who can reach the ingest
 * endpoint with valid inbound credentials chooses them) and we send our iCIMS credentials to
 * whatever URL we follow. So a link is followed only when it is exactly
 *   <configured API origin>/customers/<the event's customerId>/<record kind>/<digits>
 * and anything else is refused before a request is made.
 *
 * The check runs on the raw string, not on a WHATWG-parsed URL: the parser "helpfully" resolves
 * `..`, `%2e%2e` and backslashes, which is how path tricks slip past checks done after parsing.
 * The URL we then request is rebuilt from the configured origin and the validated parts, never the
 * raw link.
 */
export type IcimsRecordKind = 'applicantworkflows' | 'people' | 'jobs';

/** Why a link was refused, for callers that explain it in their own words (ingest's 400 answer). */
export type LinkRefusalCode =
  | 'not_http_url'
  | 'bad_characters'
  | 'userinfo'
  | 'query_or_fragment'
  | 'foreign_host'
  | 'not_record_path'
  | 'other_customer'
  | 'other_kind'
  | 'id_too_long';

export type LinkDecision = { allowed: true; url: string; id: string } | { allowed: false; code: LinkRefusalCode; reason: string };

// scheme://authority/path, nothing else: no userinfo (@), no backslash, no whitespace, no query or fragment.
const RAW_URL = /^(https?):\/\/([^/?#@\\\s]+)(\/[^?#\\\s]*)$/;
const RECORD_PATH = /^\/customers\/([0-9]+)\/(applicantworkflows|people|jobs)\/([0-9]+)$/;
const DIGITS = /^[0-9]{1,18}$/;
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

// Configured base URLs are few (ICIMS_API_BASE_URL and the tenants' apiBaseUrl); ingest checks
// three links per event on its hot path, so their parsed origins are remembered.
const ORIGINS = new Map<string, string>();
const MAX_REMEMBERED_ORIGINS = 1000;

/** scheme://host[:port] of a configured base URL, with the scheme's default port dropped. */
export function apiOrigin(baseUrl: string): string {
  let origin = ORIGINS.get(baseUrl);
  if (origin === undefined) {
    origin = new URL(baseUrl).origin;
    if (ORIGINS.size >= MAX_REMEMBERED_ORIGINS) ORIGINS.clear();
    ORIGINS.set(baseUrl, origin);
  }
  return origin;
}

function originOfAuthority(scheme: string, authority: string, configured: string): string | undefined {
  // Fast path: already exactly the configured origin's text (what iCIMS sends), so the parser
  // would return it unchanged; anything else goes through the parser and the rewrite check.
  if (configured.length === scheme.length + 3 + authority.length && `${scheme}://${authority.toLowerCase()}` === configured) return configured;
  // Only plain host characters: no IDN or percent forms, which the parser would rewrite.
  if (!/^[a-z0-9.:[\]-]+$/i.test(authority)) return undefined;
  const [, hostText, portText] = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority) ?? [];
  // A port is digits without a leading zero; an explicit default port (":443") is the same origin.
  if (hostText === undefined || (portText !== undefined && !/^[1-9][0-9]{0,4}$/.test(portText))) return undefined;
  try {
    const parsed = new URL(`${scheme}://${authority}/`);
    // Reject a host the parser had to rewrite: numeric IPv4 forms (127.1, 2130706433, 0x7f.1) and
    // other IPv6 spellings ([::ffff:127.0.0.1]). The trailing-dot form is kept by WHATWG, so it
    // differs from the configured origin and is refused below.
    if (hostText.toLowerCase() !== parsed.hostname) return undefined;
    if (parsed.port !== (portText === undefined || portText === DEFAULT_PORTS[scheme] ? '' : portText)) return undefined;
    return parsed.origin;
  } catch {
    return undefined;
  }
}

/**
 * Decides whether `link` may be followed for the record `kind` of the event's customer.
 * `origin` is the configured API origin for this tenant (ICIMS_API_BASE_URL or the tenant's apiBaseUrl).
 */
export function checkRecordLink(link: string, expected: { origin: string; customerId: string; kind: IcimsRecordKind }): LinkDecision {
  const raw = RAW_URL.exec(link);
  if (!raw) return { allowed: false, code: malformedCode(link), reason: 'not a plain http(s) URL without credentials, query or fragment' };
  const [, scheme, authority, path] = raw;
  const configured = apiOrigin(expected.origin);
  const origin = originOfAuthority(scheme, authority, configured);
  if (origin === undefined || origin !== configured) return { allowed: false, code: 'foreign_host', reason: `host is not the configured iCIMS API origin ${configured}` };
  const record = RECORD_PATH.exec(path);
  if (!record) return { allowed: false, code: 'not_record_path', reason: 'path is not /customers/{id}/{applicantworkflows|people|jobs}/{id}' };
  const [, customerId, kind, id] = record;
  if (customerId !== expected.customerId) return { allowed: false, code: 'other_customer', reason: `link is for another customer (${customerId}), not ${expected.customerId}` };
  if (kind !== expected.kind) return { allowed: false, code: 'other_kind', reason: `link is for ${kind}, expected ${expected.kind}` };
  if (!DIGITS.test(id)) return { allowed: false, code: 'id_too_long', reason: 'record id is too long' };
  return { allowed: true, url: recordUrl(configured, expected.customerId, kind as IcimsRecordKind, id), id };
}

/** Which part of RAW_URL a refused link broke (only computed on the refusal path). */
function malformedCode(link: string): LinkRefusalCode {
  if (!/^https?:\/\//i.test(link)) return 'not_http_url';
  if (/[\\\s]/.test(link)) return 'bad_characters';
  if (/[?#]/.test(link)) return 'query_or_fragment';
  if (link.includes('@')) return 'userinfo';
  return 'not_http_url';
}

/** The URL of a record built from the configured origin and validated ids (when the event has no link). */
export function recordUrl(origin: string, customerId: string, kind: IcimsRecordKind, id: string): string {
  if (!DIGITS.test(customerId) || !DIGITS.test(id)) throw new Error(`iCIMS ids must be digits (customer ${customerId}, ${kind} ${id})`);
  return `${apiOrigin(origin)}/customers/${customerId}/${kind}/${id}`;
}
