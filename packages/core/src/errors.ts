/**
 * Typed outcomes of a partner call. Clients throw these; processors turn them into BullMQ
 * behaviour (throw → retry with backoff; PermanentError → UnrecoverableError; RateLimitedError →
 * wait without spending an attempt). Messages carry what an operator needs (partner, tenant,
 * status or code, the partner's words) and never a secret or a candidate's name, email or phone.
 */
/** `icims` (our source) or a delivery partner's registry key (its `PartnerDefinition.key`). */
export type Partner = string;

export interface PartnerErrorDetails {
  partner: Partner;
  tenantId?: string;
  /** HTTP status, if there was a response. */
  httpStatus?: number;
  /** Partner error code (GraphQL extensions.code, iCIMS errorCode, or a network code like ECONNRESET). */
  code?: string;
  /** What the partner said, trimmed; kept on the failed job for operators. */
  partnerMessage?: string;
}

export abstract class PartnerError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    readonly details: PartnerErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Will not succeed by retrying: bad input, missing record, rejected credentials. */
export class PermanentError extends PartnerError {
  readonly retryable = false;
}

/** Temporary trouble: 5xx, timeouts, network errors. */
export class RetryableError extends PartnerError {
  readonly retryable = true;
}

/** The partner asked us to slow down for `delayMs` (429 + Retry-After); not the job's fault. */
export class RateLimitedError extends PartnerError {
  readonly retryable = true;
  constructor(
    message: string,
    details: PartnerErrorDetails,
    readonly delayMs: number,
  ) {
    super(message, details);
  }
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds; undefined if absent or invalid. */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Trims a partner's message for storage on a job: enough to act on, bounded in size. */
export function trimPartnerMessage(text: unknown, max = 500): string | undefined {
  if (text === undefined || text === null) return undefined;
  const asText = typeof text === 'string' ? text : JSON.stringify(text);
  return asText.length > max ? `${asText.slice(0, max)}…` : asText;
}
