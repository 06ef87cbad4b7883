import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { basicAuth, buildHttpRequest, rawHttpExchange, seedEvent, type RawHttpOutcome } from '@status-bridge/testing';

/**
 * A corpus of bad requests for POST /icims/events, and a runner, shared by the jest test
 * (apps/ingest/test/bad-input.test.ts) and the fault suite. Tables where a list says it best
 * (bombs, encodings, path tricks), fast-check generators where the space is large (strings, ids,
 * hosts, credentials). Every case is sent as raw bytes over its own connection (`connection:
 * close`), so nothing between the corpus and the server normalises it.
 *
 * The invariant the runner checks per case: answered 4xx (never 200, never 5xx) with an iCIMS
 * error body carrying a `userMessage`, within a bound. What the caller checks around it: nothing
 * enqueued, no request to any host, same pid, /healthz answers, memory back to baseline.
 */
export interface BadInputTarget {
  /** Base URL of the ingest process under test. */
  url: string;
  /** Its ICIMS_API_BASE_URL (links to it, for the right customer and ids, would be allowed). */
  icimsOrigin: string;
  /** A server the bad links name; it must never be contacted. */
  foreignOrigin: string;
  /** A tenant configured on the target, and a valid Authorization header for it. */
  customerId: string;
  authorization: string;
  /** Basic user name of that tenant (wrong passwords are generated for it). */
  basicUser: string;
  /** Valid credentials of ANOTHER tenant (must not admit this customer's events). */
  otherTenantAuthorization?: string;
  bodyLimitBytes: number;
  /** The target's INGEST_REQUEST_TIMEOUT_MS / INGEST_HEADERS_TIMEOUT_MS / INGEST_CONNECTIONS_CHECKING_INTERVAL_MS. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  checkingIntervalMs: number;
}

export interface BadInputCase {
  category: string;
  /** What the case is, for failure messages (never a secret). */
  label: string;
  request: Buffer;
  /** Send the request from this byte on slowly (slow-client cases). */
  trickle?: { from: number; chunkBytes: number; intervalMs: number };
  /** The status this case must get, when the table knows it exactly; otherwise any 4xx. */
  expectStatus?: number;
}

export interface BadInputOutcome {
  category: string;
  label: string;
  status?: number;
  userMessage?: string;
  ms: number;
  /** Broken invariants; empty when the case was answered as it must be. */
  violations: string[];
}

const RECORD_LINKS = [
  { rel: 'applicantWorkflow', kind: 'applicantworkflows', idField: 'systemId' },
  { rel: 'person', kind: 'people', idField: 'personId' },
  { rel: 'job', kind: 'jobs', idField: 'jobId' },
  // The acting user ("Posting User"): a person record, read for partners that name who acted.
  { rel: 'user', kind: 'people', idField: 'userId' },
] as const;

type EventObject = Record<string, unknown>;

/** A valid event of the target's customer (links at the configured origin, naming its own ids). */
export function validEvent(target: BadInputTarget, overrides: EventObject = {}): EventObject {
  return seedEvent({ customerId: target.customerId, ...overrides }, target.icimsOrigin);
}

function withLink(event: EventObject, rel: string, url: string): EventObject {
  return { ...event, links: (event.links as Array<{ rel: string; url: string }>).map((link) => (link.rel === rel ? { ...link, url } : link)) };
}

interface PostOptions {
  body: Buffer | string;
  /** Header overrides; `null` removes a default header. */
  headers?: Record<string, string | null>;
  path?: string;
}

/** POST /icims/events as raw bytes: JSON content type, Content-Length, the tenant's credentials, connection: close. */
export function post(target: BadInputTarget, options: PostOptions): Buffer {
  const body = Buffer.from(options.body);
  const defaults: Record<string, string | null> = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    authorization: target.authorization,
    connection: 'close',
  };
  const headers = Object.entries({ ...defaults, ...options.headers }).filter((entry): entry is [string, string] => entry[1] !== null);
  return buildHttpRequest(target.url, { method: 'POST', path: options.path ?? '/icims/events', headers, body });
}

const json = (value: unknown): string => JSON.stringify(value);

/** Cases a table states best: bombs, encodings, path and host tricks, limits, slow clients, broken HTTP. */
export function badInputTable(target: BadInputTarget): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const add = (category: string, label: string, request: Buffer, extra: Partial<BadInputCase> = {}): void => void cases.push({ category, label, request, ...extra });
  const event = validEvent(target);
  const eventText = json(event);
  const { customerId } = target;
  const icimsHost = new URL(target.icimsOrigin).host;
  const icimsPort = new URL(target.icimsOrigin).port;
  const limit = target.bodyLimitBytes;

  // Malformed JSON.
  for (const [label, body] of [
    ['empty body', ''],
    ['truncated event', eventText.slice(0, Math.floor(eventText.length / 2))],
    ['trailing garbage', `${eventText}}`],
    ['single quotes', eventText.replace(/"/g, "'")],
    ['NaN literal', eventText.replace('"1242"', 'NaN')],
    ['byte-order mark and a comment', `\ufeff/* c */${eventText}`],
    ['invalid UTF-8', Buffer.concat([Buffer.from(eventText.slice(0, 20)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(eventText.slice(20))])],
    ['lone surrogate escape in a key', eventText.replace('"jobId"', '"\\ud800jobId"')],
  ] as Array<[string, string | Buffer]>) {
    add('malformed JSON', label, post(target, { body }), { expectStatus: 400 });
  }

  // Gzip: corrupt, truncated, bombs.
  const gz = gzipSync(eventText);
  add('bad gzip', 'truncated gzip', post(target, { body: gz.subarray(0, gz.length - 10), headers: { 'content-encoding': 'gzip' } }), { expectStatus: 400 });
  add('bad gzip', 'gzip header, then garbage', post(target, { body: Buffer.concat([gz.subarray(0, 10), Buffer.from('garbage-garbage-garbage')]), headers: { 'content-encoding': 'gzip' } }), { expectStatus: 400 });
  add('bad gzip', 'gzip with a flipped CRC', post(target, { body: Buffer.concat([gz.subarray(0, gz.length - 8), Buffer.from([0, 0, 0, 0]), gz.subarray(gz.length - 4)]), headers: { 'content-encoding': 'gzip' } }), { expectStatus: 400 });
  add('bad gzip', 'gzip of invalid JSON', post(target, { body: gzipSync('{"customerId": '), headers: { 'content-encoding': 'gzip' } }), { expectStatus: 400 });
  for (const inflatedMb of [1, 20]) {
    const bomb = gzipSync(Buffer.alloc(inflatedMb * 1024 * 1024, 0x20), { level: 9 });
    add('gzip bomb', `${bomb.length} B gzip → ${inflatedMb} MiB`, post(target, { body: bomb, headers: { 'content-encoding': 'gzip' } }), { expectStatus: 413 });
  }
  // A bomb of valid JSON: a real event padded with whitespace far past the limit once inflated.
  const paddedEvent = Buffer.concat([Buffer.from(eventText.slice(0, -1)), Buffer.alloc(8 * 1024 * 1024, 0x20), Buffer.from('}')]);
  add('gzip bomb', 'valid event padded to 8 MiB inflated', post(target, { body: gzipSync(paddedEvent, { level: 9 }), headers: { 'content-encoding': 'gzip' } }), { expectStatus: 413 });
  add('gzip bomb', 'gzip inside gzip', post(target, { body: gzipSync(gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20))), headers: { 'content-encoding': 'gzip' } }), { expectStatus: 400 });

  // Deflate variants.
  add('deflate variants', 'zlib bomb', post(target, { body: deflateSync(Buffer.alloc(16 * 1024 * 1024, 0x20), { level: 9 }), headers: { 'content-encoding': 'deflate' } }), { expectStatus: 413 });
  add('deflate variants', 'raw deflate bomb', post(target, { body: deflateRawSync(Buffer.alloc(16 * 1024 * 1024, 0x20), { level: 9 }), headers: { 'content-encoding': 'deflate' } }), { expectStatus: 413 });
  add('deflate variants', 'truncated zlib', post(target, { body: deflateSync(eventText).subarray(0, 30), headers: { 'content-encoding': 'deflate' } }), { expectStatus: 400 });
  add('deflate variants', 'gzip bytes sent as deflate', post(target, { body: gz, headers: { 'content-encoding': 'deflate' } }), { expectStatus: 400 });
  add('deflate variants', 'deflate of invalid JSON', post(target, { body: deflateRawSync('[1, 2'), headers: { 'content-encoding': 'deflate' } }), { expectStatus: 400 });

  // Content encodings that are missing, odd or do not match the body.
  add('content-encoding', 'gzip body without Content-Encoding', post(target, { body: gz }), { expectStatus: 400 });
  add('content-encoding', 'plain body declared gzip', post(target, { body: eventText, headers: { 'content-encoding': 'gzip' } }), { expectStatus: 400 });
  add('content-encoding', 'plain body declared x-gzip', post(target, { body: eventText, headers: { 'content-encoding': 'x-gzip' } }), { expectStatus: 400 });
  for (const encoding of ['br', 'compress', 'gzip, gzip', 'identity, gzip', '*', 'zstd', 'gzip;q=1']) {
    add('content-encoding', `Content-Encoding: ${encoding}`, post(target, { body: eventText, headers: { 'content-encoding': encoding } }), { expectStatus: 415 });
  }

  // Nesting: a deep structure where the event needs something else.
  const depth = 5_000;
  add('deep nesting', `body is an array ${depth} deep`, post(target, { body: `${'['.repeat(depth)}${']'.repeat(depth)}` }), { expectStatus: 400 });
  add('deep nesting', `newStatus is an object ${depth} deep`, post(target, { body: eventText.replace('"newStatus":"9782"', `"newStatus":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) }), { expectStatus: 400 });
  add('deep nesting', `links is an array ${depth} deep`, post(target, { body: json({ ...event, links: 0 }).replace('"links":0', `"links":${'['.repeat(depth)}${']'.repeat(depth)}`) }), { expectStatus: 400 });
  add('deep nesting', 'nesting deeper than the parser allows', post(target, { body: `{"customerId":"${customerId}","x":${'['.repeat(30_000)}${']'.repeat(30_000)}}` }), { expectStatus: 400 });

  // Huge fields inside the limit, and bodies over it.
  add('huge fields', 'link title of 1000 characters', post(target, { body: json({ ...event, links: [{ title: 't'.repeat(1000), rel: 'job', url: `${target.icimsOrigin}/customers/${customerId}/jobs/1242` }] }) }), { expectStatus: 400 });
  add('huge fields', 'link url of 4000 characters', post(target, { body: json(withLink(event, 'job', `${target.icimsOrigin}/customers/${customerId}/jobs/${'1'.repeat(4000)}`)) }), { expectStatus: 400 });
  add('huge fields', '200 links', post(target, { body: json({ ...event, links: Array.from({ length: 200 }, () => (event.links as unknown[])[0]) }) }), { expectStatus: 400 });
  add('huge fields', 'newStatus of 30000 characters', post(target, { body: json({ ...event, newStatus: 'A'.repeat(30_000) }) }), { expectStatus: 400 });
  add('over the limit', 'declared Content-Length over the limit', post(target, { body: json({ ...event, pad: 'x'.repeat(limit) }) }), { expectStatus: 413 });
  {
    const big = Buffer.from(json({ ...event, pad: 'x'.repeat(limit) }));
    const chunked = Buffer.concat([Buffer.from(`${big.length.toString(16)}\r\n`), big, Buffer.from('\r\n0\r\n\r\n')]);
    add('over the limit', 'chunked body over the limit', post(target, { body: chunked, headers: { 'content-length': null, 'transfer-encoding': 'chunked' } }), { expectStatus: 413 });
  }
  add('over the limit', 'Content-Length of 10 GB', post(target, { body: eventText, headers: { 'content-length': String(10 * 1024 ** 3) } }), { expectStatus: 413 });

  // Links the allow-list must refuse (one per rel, all naming hosts or paths that must never be requested).
  const linkCases: Array<[string, string, string]> = [
    ['foreign host', 'the foreign server', `${target.foreignOrigin}/customers/${customerId}/people/1364`],
    ['foreign host', 'the configured host on another port', `http://${new URL(target.icimsOrigin).hostname}:${Number(icimsPort) === 65535 ? 1 : Number(icimsPort) + 1}/customers/${customerId}/people/1364`],
    ['foreign host', 'localhost instead of the configured IP', `http://localhost:${icimsPort}/customers/${customerId}/people/1364`],
    ['foreign host', 'https instead of http', `https://${icimsHost}/customers/${customerId}/people/1364`],
    ['foreign host', 'lookalike suffix', `http://${new URL(target.icimsOrigin).hostname}.evil.example:${icimsPort}/customers/${customerId}/people/1364`],
    ['IPv6/port tricks', 'IPv6 loopback', `http://[::1]:${icimsPort}/customers/${customerId}/people/1364`],
    ['IPv6/port tricks', 'IPv4-mapped IPv6', `http://[::ffff:127.0.0.1]:${icimsPort}/customers/${customerId}/people/1364`],
    ['IPv6/port tricks', 'short IPv4 form', `http://127.1:${icimsPort}/customers/${customerId}/people/1364`],
    ['IPv6/port tricks', 'decimal IPv4 form', `http://2130706433:${icimsPort}/customers/${customerId}/people/1364`],
    ['IPv6/port tricks', 'leading-zero port', `http://${new URL(target.icimsOrigin).hostname}:0${icimsPort}/customers/${customerId}/people/1364`],
    ['IPv6/port tricks', 'empty port', `http://${new URL(target.icimsOrigin).hostname}:/customers/${customerId}/people/1364`],
    ['IPv6/port tricks', 'port out of range', `http://${new URL(target.icimsOrigin).hostname}:99999/customers/${customerId}/people/1364`],
    ['path tricks', '..', `${target.icimsOrigin}/customers/${customerId}/people/../people/1364`],
    ['path tricks', '.. to another customer', `${target.icimsOrigin}/customers/${customerId}/../9999/people/1364`],
    ['path tricks', '%2e%2e', `${target.icimsOrigin}/customers/${customerId}/%2e%2e/${customerId}/people/1364`],
    ['path tricks', '%2E%2e', `${target.icimsOrigin}/customers/${customerId}/people/%2E%2e/people/1364`],
    ['path tricks', 'encoded slash', `${target.icimsOrigin}/customers/${customerId}%2fpeople/1364`],
    ['path tricks', 'double slash', `${target.icimsOrigin}//customers/${customerId}/people/1364`],
    ['path tricks', 'trailing slash', `${target.icimsOrigin}/customers/${customerId}/people/1364/`],
    ['path tricks', 'sub-resource', `${target.icimsOrigin}/customers/${customerId}/people/1364/fields/resume/binary`],
    ['userinfo', '@ before the configured host', `http://user:password@${icimsHost}/customers/${customerId}/people/1364`],
    ['userinfo', 'configured host as userinfo of the foreign one', `http://${icimsHost}@${new URL(target.foreignOrigin).host}/customers/${customerId}/people/1364`],
    ['backslashes', 'backslash authority trick', `http://${new URL(target.foreignOrigin).host}\\@${icimsHost}/customers/${customerId}/people/1364`],
    ['backslashes', 'backslashes in the path', `${target.icimsOrigin}\\customers\\${customerId}\\people\\1364`],
    ['query/fragment', 'query string', `${target.icimsOrigin}/customers/${customerId}/people/1364?fields=ssn`],
    ['query/fragment', 'fragment', `${target.icimsOrigin}/customers/${customerId}/people/1364#top`],
    ['query/fragment', 'empty query', `${target.icimsOrigin}/customers/${customerId}/people/1364?`],
    ['other customer', 'customer prefix trick', `${target.icimsOrigin}/customers/${customerId}5/people/1364`],
    ['mismatched ids', 'person link names the job id', `${target.icimsOrigin}/customers/${customerId}/people/1242`],
    ['mismatched ids', 'person link to a job record', `${target.icimsOrigin}/customers/${customerId}/jobs/1364`],
    ['foreign host', 'not http at all', `file:///etc/passwd`],
    ['foreign host', 'javascript scheme', `javascript:alert(1)`],
  ];
  for (const [category, label, url] of linkCases) add(category, label, post(target, { body: json(withLink(event, 'person', url)) }), { expectStatus: 400 });

  // Ids: not digits, too long for a URL.
  add('non-digit ids', 'personId of 19 digits, no links', post(target, { body: json({ ...event, personId: '1'.repeat(19), links: [] }) }), { expectStatus: 400 });
  add('non-digit ids', 'systemId as a number', post(target, { body: json({ ...event, systemId: 2203 }) }), { expectStatus: 400 });
  add('non-digit ids', 'customerId with a sign', post(target, { body: json({ ...event, customerId: `+${customerId}` }) }), { expectStatus: 400 });

  // Credentials.
  add('credentials', 'no Authorization header', post(target, { body: eventText, headers: { authorization: null } }), { expectStatus: 401 });
  add('credentials', 'empty Authorization header', post(target, { body: eventText, headers: { authorization: '' } }), { expectStatus: 401 });
  add('credentials', 'Basic with an empty password', post(target, { body: eventText, headers: { authorization: basicAuth(target.basicUser, '') } }), { expectStatus: 401 });
  add('credentials', 'Basic with a NUL in the password', post(target, { body: eventText, headers: { authorization: basicAuth(target.basicUser, 'a\u0000b') } }), { expectStatus: 401 });
  add('credentials', 'Basic scheme only', post(target, { body: eventText, headers: { authorization: 'Basic' } }), { expectStatus: 401 });
  add('credentials', 'Bearer scheme only', post(target, { body: eventText, headers: { authorization: 'Bearer ' } }), { expectStatus: 401 });
  add('credentials', 'Bearer that looks like ours', post(target, { body: eventText, headers: { authorization: 'Bearer sb1.eyJjaWQiOiJ4In0.AAAA' } }), { expectStatus: 401 });
  // Node keeps the first of repeated Authorization headers: a garbage one first, the valid one after.
  add(
    'credentials',
    'garbage Authorization, then a valid one',
    buildHttpRequest(target.url, { path: '/icims/events', headers: [['content-type', 'application/json'], ['content-length', String(Buffer.byteLength(eventText))], ['authorization', 'Bearer x'], ['authorization', target.authorization], ['connection', 'close']], body: eventText }),
    { expectStatus: 401 },
  );
  if (target.otherTenantAuthorization) {
    add('credentials', "another tenant's valid credentials", post(target, { body: eventText, headers: { authorization: target.otherTenantAuthorization } }), { expectStatus: 401 });
  }

  // Content types.
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-patch+json', 'json', '']) {
    add('content type', `Content-Type: ${type || '(empty)'}`, post(target, { body: eventText, headers: { 'content-type': type } }), { expectStatus: 415 });
  }
  add('content type', 'no Content-Type', post(target, { body: eventText, headers: { 'content-type': null } }), { expectStatus: 415 });

  // Slow clients: the whole request must arrive within INGEST_REQUEST_TIMEOUT_MS.
  {
    const slowBody = post(target, { body: eventText });
    add('slow body', '1 byte every 100 ms', slowBody, { trickle: { from: slowBody.length - Buffer.byteLength(eventText), chunkBytes: 1, intervalMs: 100 }, expectStatus: 408 });
    const slowGzip = post(target, { body: gz, headers: { 'content-encoding': 'gzip' } });
    add('slow body', 'gzip, 2 bytes every 150 ms', slowGzip, { trickle: { from: slowGzip.length - gz.length, chunkBytes: 2, intervalMs: 150 }, expectStatus: 408 });
    add('slow headers', '2 header bytes every 100 ms', post(target, { body: eventText, headers: { 'x-padding': 'p'.repeat(600) } }), { trickle: { from: 0, chunkBytes: 2, intervalMs: 100 }, expectStatus: 408 });
  }

  // Not HTTP the server may read: refused by the parser, answered 400/431 in iCIMS's shape.
  const raw = (label: string, text: string, expectStatus: number): void => add('malformed HTTP', label, Buffer.from(text, 'latin1'), { expectStatus });
  const host = new URL(target.url).host;
  raw('Content-Length and Transfer-Encoding both', `POST /icims/events HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n0\r\n\r\n`, 400);
  raw('negative Content-Length', `POST /icims/events HTTP/1.1\r\nhost: ${host}\r\ncontent-length: -1\r\nconnection: close\r\n\r\n`, 400);
  raw('two different Content-Lengths', `POST /icims/events HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 2\r\ncontent-length: 3\r\nconnection: close\r\n\r\n{}`, 400);
  raw('space in a header name', `POST /icims/events HTTP/1.1\r\nhost: ${host}\r\nbad header: x\r\nconnection: close\r\n\r\n`, 400);
  raw('NUL in a header value', `POST /icims/events HTTP/1.1\r\nhost: ${host}\r\nx-a: a\u0000b\r\nconnection: close\r\n\r\n`, 400);
  raw('headers over 16 KiB', `POST /icims/events HTTP/1.1\r\nhost: ${host}\r\nx-big: ${'b'.repeat(20_000)}\r\nconnection: close\r\n\r\n`, 431);
  raw('not HTTP at all', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003 TLS ClientHello on a plain port\r\n\r\n', 400);
  return cases;
}

/** Strings that are not a digit id. */
const nonDigitId = fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^[0-9]{21,30}$/), fc.stringMatching(/^-?[0-9]+\.[0-9]+$/)).filter((value) => !/^[0-9]{1,20}$/.test(value));

/** Generated cases: large spaces a table cannot cover. Each arbitrary yields one case. */
export function badInputArbitraries(target: BadInputTarget): Record<string, fc.Arbitrary<BadInputCase>> {
  const event = validEvent(target);
  const { customerId } = target;
  const single = (category: string, label: string, body: string | Buffer, headers?: Record<string, string | null>): BadInputCase => ({ category, label, request: post(target, { body, headers }) });
  const linkRel = fc.constantFrom(...RECORD_LINKS);
  return {
    'malformed JSON': fc
      .oneof(
        fc.string({ maxLength: 200 }),
        fc.nat({ max: json(event).length - 2 }).map((cut) => json(event).slice(0, cut + 1)),
        fc.tuple(fc.nat({ max: json(event).length - 1 }), fc.constantFrom('{', '}', '"', ',', ':', '\\', '\u0000')).map(([at, char]) => {
          const text = json(event);
          return text.slice(0, at) + char + text.slice(at);
        }),
      )
      .filter((text) => {
        try {
          JSON.parse(text);
          return false;
        } catch {
          return true;
        }
      })
      .map((text) => single('malformed JSON', `${text.length} chars of broken JSON`, text)),
    'bad gzip': fc.uint8Array({ minLength: 0, maxLength: 300 }).map((bytes) => single('bad gzip', `${bytes.length} random bytes as gzip`, Buffer.from(bytes), { 'content-encoding': 'gzip' })),
    'deflate variants': fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => single('deflate variants', `${bytes.length} random bytes as deflate`, Buffer.from(bytes), { 'content-encoding': 'deflate' })),
    'content type': fc
      .oneof(fc.string({ maxLength: 40 }), fc.constantFrom('text/json', 'application/xml', 'application/x-json', 'image/png', 'application/octet-stream'))
      .filter((type) => !/^\s*application\/json\s*(;.*)?$/i.test(type) && /^[\x20-\x7e]*$/.test(type))
      .map((type) => single('content type', `Content-Type: ${type.slice(0, 20)}`, json(event), { 'content-type': type })),
    'content-encoding': fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((encoding) => /^[\x21-\x7e]+$/.test(encoding) && !['identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding.trim().toLowerCase()))
      .map((encoding) => single('content-encoding', `Content-Encoding: ${encoding}`, json(event), { 'content-encoding': encoding })),
    'very long strings': fc
      .tuple(fc.constantFrom('newStatus', 'oldStatus', 'userId', 'eventType', 'customerId'), fc.integer({ min: 65, max: 60_000 }), fc.constantFrom('A', '9', 'é', '\u0000'))
      .map(([field, length, char]) => single('very long strings', `${field} of ${length} × U+${char.codePointAt(0)!.toString(16)}`, json({ ...event, [field]: char.repeat(length) }))),
    'non-digit ids': fc
      .tuple(fc.constantFrom('customerId', 'systemId', 'personId', 'jobId', 'userId'), nonDigitId)
      .map(([field, value]) => single('non-digit ids', `${field} not digits (${value.length} chars)`, json({ ...event, [field]: value, links: [] }))),
    'unknown eventType': fc
      .string({ maxLength: 60 })
      .filter((type) => type !== 'WorkFlowStatusChangeEvent')
      .map((type) => single('unknown eventType', `eventType of ${type.length} chars`, json({ ...event, eventType: type }))),
    'foreign host': fc
      .tuple(fc.domain(), linkRel, fc.boolean())
      .map(([domain, record, https]) => single('foreign host', `${record.rel} link to a generated domain`, json(withLink(event, record.rel, `${https ? 'https' : 'http'}://${domain}/customers/${customerId}/${record.kind}/${event[record.idField]}`)))),
    'IPv6/port tricks': fc
      .tuple(fc.oneof(fc.ipV6().map((ip) => `[${ip}]`), fc.ipV4()), fc.integer({ min: 1, max: 65535 }), linkRel)
      .filter(([host, port]) => `${host}:${port}` !== new URL(target.icimsOrigin).host)
      .map(([host, port, record]) => single('IPv6/port tricks', `${record.rel} link to an IP literal`, json(withLink(event, record.rel, `http://${host}:${port}/customers/${customerId}/${record.kind}/${event[record.idField]}`)))),
    'other customer': fc
      .tuple(fc.stringMatching(/^[0-9]{1,12}$/).filter((id) => id !== customerId), linkRel)
      .map(([other, record]) => single('other customer', `${record.rel} link to another customer`, json(withLink(event, record.rel, `${target.icimsOrigin}/customers/${other}/${record.kind}/${event[record.idField]}`)))),
    'path tricks': fc
      .tuple(fc.array(fc.constantFrom('..', '.', '%2e', '%2E%2e', '%2e%2E', '%2f', '', 'people', customerId, '%00', ';', '%5c'), { minLength: 1, maxLength: 4 }), linkRel)
      .map(([segments, record]) => single('path tricks', `${record.rel} link with ${segments.join('/')}`, json(withLink(event, record.rel, `${target.icimsOrigin}/customers/${customerId}/${segments.join('/')}/${record.kind}/${event[record.idField]}`)))),
    userinfo: fc
      .tuple(fc.stringMatching(/^[A-Za-z0-9._~-]{1,16}$/), fc.option(fc.stringMatching(/^[A-Za-z0-9._~-]{1,16}$/), { nil: undefined }), linkRel)
      .map(([user, password, record]) =>
        single('userinfo', `${record.rel} link with user info`, json(withLink(event, record.rel, `http://${user}${password === undefined ? '' : `:${password}`}@${new URL(target.icimsOrigin).host}/customers/${customerId}/${record.kind}/${event[record.idField]}`))),
      ),
    'query/fragment': fc
      .tuple(fc.constantFrom('?', '#', '?a=1#b'), fc.stringMatching(/^[A-Za-z0-9=&%._-]{0,30}$/), linkRel)
      .map(([mark, tail, record]) => single('query/fragment', `${record.rel} link with ${mark}…`, json(withLink(event, record.rel, `${target.icimsOrigin}/customers/${customerId}/${record.kind}/${event[record.idField]}${mark}${tail}`)))),
    'mismatched ids': fc
      .tuple(linkRel, fc.stringMatching(/^[0-9]{1,18}$/))
      .filter(([record, id]) => id !== event[record.idField])
      .map(([record, id]) => single('mismatched ids', `${record.rel} link names another record`, json(withLink(event, record.rel, `${target.icimsOrigin}/customers/${customerId}/${record.kind}/${id}`)))),
    credentials: fc
      .oneof(
        fc.string({ minLength: 1, maxLength: 40 }).filter((password) => `Basic ${Buffer.from(`${target.basicUser}:${password}`).toString('base64')}` !== target.authorization).map((password) => basicAuth(target.basicUser, password)),
        fc.base64String({ maxLength: 60 }).map((value) => `Basic ${value}`),
        fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,200}=*$/).map((token) => `Bearer ${token}`),
        fc.stringMatching(/^[\x21-\x7e]{0,60}$/),
      )
      .filter((header) => header !== target.authorization)
      .map((authorization) => single('credentials', `Authorization: ${authorization.split(' ')[0].slice(0, 12)} …`, json(event), { authorization })),
  };
}

/** The table plus `numRuns` samples of every generator, reproducible from `seed`. */
export function badInputCases(target: BadInputTarget, options: { numRuns: number; seed: number }): BadInputCase[] {
  const generated = Object.values(badInputArbitraries(target)).flatMap((arbitrary, index) => fc.sample(arbitrary, { numRuns: options.numRuns, seed: options.seed + index }));
  return [...badInputTable(target), ...generated];
}

/** How long a case may take: the slow-client bound for trickled ones, a few seconds otherwise. */
function giveUpMs(target: BadInputTarget, badCase: BadInputCase): number {
  return badCase.trickle ? target.requestTimeoutMs + target.checkingIntervalMs + 8_000 : 15_000;
}

function judge(target: BadInputTarget, badCase: BadInputCase, outcome: RawHttpOutcome): BadInputOutcome {
  const violations: string[] = [];
  const userMessage = outcome.json?.error?.userMessage;
  if (outcome.gaveUp) violations.push(`no answer within ${giveUpMs(target, badCase)} ms`);
  else if (outcome.status === undefined) violations.push(`connection ended without an answer (${outcome.error ?? 'closed'})`);
  else if (outcome.status < 400 || outcome.status > 499) violations.push(`answered ${outcome.status}`);
  else if (badCase.expectStatus !== undefined && outcome.status !== badCase.expectStatus) violations.push(`answered ${outcome.status}, expected ${badCase.expectStatus}`);
  if (outcome.status !== undefined && (typeof userMessage !== 'string' || userMessage.length === 0)) violations.push('no error.userMessage in the answer');
  if (badCase.trickle && outcome.ms > target.requestTimeoutMs + target.checkingIntervalMs + 8_000) violations.push(`slow client held ${Math.round(outcome.ms)} ms`);
  return { category: badCase.category, label: badCase.label, status: outcome.status, userMessage, ms: outcome.ms, violations };
}

/** Sends every case, `concurrency` at a time, each on its own connection. */
export async function runBadInputCases(target: BadInputTarget, cases: BadInputCase[], options: { concurrency: number }): Promise<BadInputOutcome[]> {
  const outcomes: BadInputOutcome[] = new Array(cases.length);
  // The slow ones first, so their waits overlap the rest.
  const order = cases.map((_, index) => index).sort((a, b) => Number(Boolean(cases[b].trickle)) - Number(Boolean(cases[a].trickle)));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < order.length) {
      const index = order[next];
      next += 1;
      const badCase = cases[index];
      const outcome = await rawHttpExchange(target.url, badCase.request, { trickle: badCase.trickle, giveUpMs: giveUpMs(target, badCase) });
      outcomes[index] = judge(target, badCase, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, () => lane()));
  return outcomes;
}

/** Cases per category and status, for docs/reliability.md (recordTable). */
export function outcomeTable(outcomes: BadInputOutcome[]): { headers: string[]; rows: Array<Array<string | number>> } {
  const statuses = [...new Set(outcomes.map((outcome) => (outcome.status === undefined ? 'none' : String(outcome.status))))].sort();
  const categories = [...new Set(outcomes.map((outcome) => outcome.category))];
  const rows = categories.map((category) => {
    const mine = outcomes.filter((outcome) => outcome.category === category);
    return [category, mine.length, ...statuses.map((status) => mine.filter((outcome) => (outcome.status === undefined ? 'none' : String(outcome.status)) === status).length), mine.filter((outcome) => outcome.violations.length > 0).length];
  });
  const total = ['all', outcomes.length, ...statuses.map((status) => outcomes.filter((outcome) => (outcome.status === undefined ? 'none' : String(outcome.status)) === status).length), outcomes.filter((outcome) => outcome.violations.length > 0).length];
  return { headers: ['category', 'cases', ...statuses.map((status) => `HTTP ${status}`), 'violations'], rows: [...rows, total] };
}
