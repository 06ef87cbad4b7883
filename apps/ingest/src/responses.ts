import type { ServerResponse } from 'node:http';

/**
 * Answers in the shapes iCIMS expects. 200: `{"userMessage": "...", "code": 200}` (Status Flow
 * Update page); errors: `{"error": {"userMessage", "debugErrorMessage"}}` with 400 for what the
 * user can fix, 503 for temporary trouble, 500 for a system error (iCIMS "Error Reporting
 * Standard for Vendors"). iCIMS shows userMessage to the recruiter and logs debugErrorMessage:
 * neither ever carries a secret or candidate data. Bodies are built once, at start.
 */
export interface Reply {
  status: number;
  body: Buffer;
  /** Metric label and log reason. */
  outcome: string;
  headers?: Record<string, string>;
}

function errorReply(status: number, outcome: string, userMessage: string, debugErrorMessage: string, headers?: Record<string, string>): Reply {
  return { status, outcome, body: Buffer.from(JSON.stringify({ error: { userMessage, debugErrorMessage } })), headers };
}

export function reply(status: number, outcome: string, userMessage: string, debugErrorMessage: string): Reply {
  return errorReply(status, outcome, userMessage, debugErrorMessage);
}

const CONTACT = 'If it keeps happening, contact your iCIMS administrator.';

export const REPLIES = {
  unauthorized: errorReply(
    401,
    'unauthorized',
    `The status change could not be sent: the connection to the job boards did not accept iCIMS's credentials. Ask your iCIMS administrator to check this integration's credentials.`,
    'missing, malformed or wrong Authorization credentials for this customerId (Basic or Bearer)',
    { 'www-authenticate': 'Basic realm="status-bridge", Bearer realm="status-bridge"' },
  ),
  unknownTenant: errorReply(
    400,
    'unknown_tenant',
    'The status change could not be sent: the connection to the job boards is not set up for this iCIMS customer yet. Please contact the integration vendor to set it up.',
    'customerId has no entry in the tenants file (CONFIG_FILE)',
  ),
  unsupportedMediaType: errorReply(
    415,
    'unsupported_media_type',
    `The status change could not be sent: iCIMS sent it in a format this connection does not read. ${CONTACT}`,
    'Content-Type must be application/json and Content-Encoding gzip, deflate or none',
  ),
  tooLarge: errorReply(
    413,
    'too_large',
    `The status change could not be sent: the event iCIMS sent is larger than this connection accepts. ${CONTACT}`,
    'request body (received or inflated) exceeds INGEST_BODY_LIMIT_BYTES',
  ),
  corruptEncoding: errorReply(
    400,
    'bad_encoding',
    `The status change could not be sent: the event arrived damaged (it could not be decompressed). Please try again. ${CONTACT}`,
    'body does not inflate with the declared Content-Encoding',
  ),
  badJson: errorReply(
    400,
    'bad_json',
    `The status change could not be sent: the event arrived damaged (it is not valid JSON). Please try again. ${CONTACT}`,
    'body is not valid JSON',
  ),
  unavailable: errorReply(
    503,
    'unavailable',
    'The status change could not be received right now because of a temporary problem on our side. Please try again in a few minutes.',
    'queue store (Redis) did not confirm the event in time; nothing was acknowledged',
    { 'retry-after': '30' },
  ),
  internal: errorReply(
    500,
    'error',
    `The status change could not be received because of an error on our side. ${CONTACT}`,
    'internal error; see the ingest logs for this request id',
  ),
  notFound: errorReply(404, 'not_found', 'There is nothing at this address.', 'unknown route'),
  // Answered by the http server itself (client-errors.ts), before any route sees the request.
  requestTimeout: errorReply(
    408,
    'request_timeout',
    `The status change could not be received: it arrived too slowly and the connection was closed. Please try again. ${CONTACT}`,
    'the request was not complete within INGEST_REQUEST_TIMEOUT_MS (or its headers within INGEST_HEADERS_TIMEOUT_MS)',
    { connection: 'close' },
  ),
  headersTooLarge: errorReply(
    431,
    'headers_too_large',
    `The status change could not be received: the request's headers are larger than this connection accepts. ${CONTACT}`,
    "request headers exceed Node's limit (--max-http-header-size, 16 KiB)",
    { connection: 'close' },
  ),
  malformedRequest: errorReply(
    400,
    'malformed_http',
    `The status change could not be received: the request was not valid HTTP. ${CONTACT}`,
    'the HTTP request could not be parsed (invalid header, conflicting or invalid Content-Length / Transfer-Encoding)',
    { connection: 'close' },
  ),
} satisfies Record<string, Reply>;

export const DEFAULT_ACCEPTED_MESSAGE = 'The status change was received and will be sent to the job boards shortly.';

/**
 * The two 200 answers, built once from the configured message (INGEST_ACCEPTED_MESSAGE). A re-send
 * inside the deduplication window gets the same answer as the first: for iCIMS it is the same event.
 */
export function acceptedReplies(userMessage: string): { accepted: Reply; deduplicated: Reply } {
  const body = Buffer.from(JSON.stringify({ userMessage, code: 200 }));
  return { accepted: { status: 200, outcome: 'accepted', body }, deduplicated: { status: 200, outcome: 'deduplicated', body } };
}

function headersOf(answer: Reply): Record<string, string | number> {
  return { 'content-type': 'application/json; charset=utf-8', 'content-length': answer.body.length, 'cache-control': 'no-store', ...answer.headers };
}

export function send(res: ServerResponse, answer: Reply, requestId?: string): void {
  const headers = headersOf(answer);
  if (requestId) headers['x-request-id'] = requestId;
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** The answer as raw HTTP/1.1 bytes, for a socket that has no ServerResponse (see client-errors.ts). */
export function rawResponse(answer: Reply): Buffer {
  const head = Object.entries(headersOf(answer)).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status] ?? 'Error'}\r\n${head}\r\n`, 'latin1'), answer.body]);
}
