/**
 * The failure reason a worker stores on a failed job, in one place: written by the worker's job
 * wrapper (shown in the dashboard, kept in the failed set) and read back by `npm run replay` to
 * filter by tenant and error class. Shape:
 *
 *   [<tag> tenant <id>] HTTP <status> <CODE> (attempt n/m): <message> | partner said: <text>
 *
 * `<tag>` is the partner's key (a registry key) or `icims`; tenant, status and code are each
 * optional, and so is the partner's text. Keeping both directions here means the format can only
 * change together with its parser (tested both ways on one table).
 */
export interface FailureReasonParts {
  /** The partner's key, or "icims". */
  partner: string;
  tenantId?: string;
  httpStatus?: number;
  code?: string;
  message: string;
  partnerMessage?: string;
  attempt: number;
  maxAttempts: number;
}

export interface ParsedFailureReason {
  partner?: string;
  tenantId?: string;
  httpStatus?: number;
  code?: string;
}

/** Lower-case letters, digits, `-` and `_`: what a partner key may be (see packages/partners). */
export const FAILURE_TAG_PATTERN = /^[a-z][a-z0-9_-]*$/;

export function formatFailureReason(parts: FailureReasonParts): string {
  const what = [parts.httpStatus !== undefined ? `HTTP ${parts.httpStatus}` : undefined, parts.code].filter(Boolean).join(' ');
  const tenant = parts.tenantId ? ` tenant ${parts.tenantId}` : '';
  const said = parts.partnerMessage ? ` | partner said: ${parts.partnerMessage}` : '';
  return `[${parts.partner}${tenant}]${what ? ` ${what}` : ''} (attempt ${parts.attempt}/${parts.maxAttempts}): ${parts.message}${said}`;
}

const HEAD = /^\[([a-z][a-z0-9_-]*)(?: tenant (\d+))?\](?: (.*?))? \(attempt \d+\/\d+\)/;

/**
 * The head of a reason written by `formatFailureReason`; `{}` for anything else (e.g. BullMQ's own
 * "job stalled more than allowable limit"). With `tags`, a reason whose tag is not among them is
 * not ours either.
 */
export function parseFailureReason(reason: string | undefined, tags?: readonly string[]): ParsedFailureReason {
  const match = HEAD.exec(reason ?? '');
  if (!match || (tags && !tags.includes(match[1]))) return {};
  const parsed: ParsedFailureReason = { partner: match[1], tenantId: match[2] };
  for (const word of (match[3] ?? '').split(' ').filter(Boolean)) {
    if (word === 'HTTP') continue;
    if (/^\d{3}$/.test(word) && parsed.httpStatus === undefined) parsed.httpStatus = Number(word);
    else parsed.code ??= word;
  }
  return parsed;
}
