/**
 * What the StepStone sandbox remembers and which faults it is told to produce. Shared by the
 * in-process controls and the `/_sandbox/*` HTTP controls.
 */
export interface ReceivedStatus {
  /** Epoch ms when the request arrived. */
  at: number;
  path: string;
  /** `{ATS_ID}` of /qs-api/public/atsi/v1/{ATS_ID}; undefined on the seed's path. */
  atsId?: string;
  /** The X-AtsiToken it carried (sandbox tokens are test values). */
  token: string;
  userAgent?: string;
  body: Record<string, unknown>;
  /**
   * Accepted, but the answer never reached the sender (an accept-then-hang fault, or the sender
   * gave up or died before the answer): it could not know the message arrived.
   */
  unanswered?: true;
}

export interface RejectedStatus {
  at: number;
  path: string;
  httpStatus: number;
  reason: string;
  body?: unknown;
}

/** Every request, faults included, in arrival order: for timing assertions (e.g. Retry-After honoured). */
export interface SandboxRequest {
  at: number;
  path: string;
  answer: number | 'hang';
}

export interface StepStoneFaults {
  /** Next N requests get 429, with this Retry-After (omitted when null). */
  rateLimit: { remaining: number; retryAfter: string | null };
  /** Next N requests get this 5xx status. */
  serverError: { remaining: number; status: number };
  /**
   * Next N requests get no answer at all (until the sandbox closes). With `afterAccept` the
   * message is accepted and recorded first, so the sender's timeout hides a delivery that
   * happened (the case where a retry posts the same status twice).
   */
  hang: { remaining: number; afterAccept: boolean };
  /** Next N requests (Infinity: all) are held this long before they are handled, as a slow service would. */
  delay: { remaining: number; ms: number };
  /** Every status message is refused with 400 and this message until switched off. */
  rejectAll: { enabled: boolean; message: string };
  /** Every status request is handled this long after it arrives (a slow service; load runs). */
  latencyMs: number;
}

export interface FaultRequest {
  rateLimit?: { count: number; retryAfter?: string | number | null };
  serverError?: { count: number; status?: number };
  hang?: { count?: number; afterAccept?: boolean };
  delay?: { count?: number; ms: number };
  rejectAll?: { enabled: boolean; message?: string };
  latencyMs?: number;
}

const DEFAULT_REJECT_MESSAGE = 'Application status rejected by the sandbox (reject-all mode)';

function noFaults(): StepStoneFaults {
  return {
    rateLimit: { remaining: 0, retryAfter: null },
    serverError: { remaining: 0, status: 500 },
    hang: { remaining: 0, afterAccept: false },
    delay: { remaining: 0, ms: 0 },
    rejectAll: { enabled: false, message: DEFAULT_REJECT_MESSAGE },
    latencyMs: 0,
  };
}

export class StepStoneSandboxState {
  readonly tokens: Set<string>;
  readonly extraStatuses: string[];
  readonly received: ReceivedStatus[] = [];
  readonly rejected: RejectedStatus[] = [];
  readonly requests: SandboxRequest[] = [];
  faults: StepStoneFaults = noFaults();
  /** Requests held by the delay fault right now (received, not yet handled). */
  inFlight = 0;

  constructor(options: { tokens?: readonly string[]; extraStatuses?: readonly string[] } = {}) {
    this.tokens = new Set(options.tokens ?? []);
    this.extraStatuses = [...(options.extraStatuses ?? [])];
  }

  /** Next `count` requests answer 429; Retry-After in seconds (or an HTTP date), none when null. */
  rateLimitNext(count: number, retryAfter: string | number | null = 1): void {
    this.faults.rateLimit = { remaining: count, retryAfter: retryAfter === null ? null : String(retryAfter) };
  }

  /** Next `count` requests answer `status` (500 by default). */
  failNext(count: number, status = 500): void {
    this.faults.serverError = { remaining: count, status };
  }

  /** Next `count` requests never get an answer (Infinity: all of them); `afterAccept`: recorded as received first. */
  hangNext(count = Number.POSITIVE_INFINITY, afterAccept = false): void {
    this.faults.hang = { remaining: count, afterAccept };
  }

  /** Next `count` requests (Infinity: all) are held `ms` before they are handled. */
  delayNext(ms: number, count = Number.POSITIVE_INFINITY): void {
    this.faults.delay = { remaining: ms > 0 ? count : 0, ms: Math.max(0, ms) };
  }

  /** Refuse every status message with 400 (switch on) or accept valid ones again (switch off). */
  rejectAll(enabled: boolean, message = DEFAULT_REJECT_MESSAGE): void {
    this.faults.rejectAll = { enabled, message };
  }

  applyFaults(request: FaultRequest): void {
    if (request.rateLimit) this.rateLimitNext(request.rateLimit.count, request.rateLimit.retryAfter === undefined ? 1 : request.rateLimit.retryAfter);
    if (request.serverError) this.failNext(request.serverError.count, request.serverError.status);
    if (request.hang) this.hangNext(request.hang.count, request.hang.afterAccept ?? false);
    if (request.delay) this.delayNext(request.delay.ms, request.delay.count);
    if (request.rejectAll) this.rejectAll(request.rejectAll.enabled, request.rejectAll.message);
    if (request.latencyMs !== undefined) this.faults.latencyMs = request.latencyMs;
  }

  clearRecords(): void {
    this.received.length = 0;
    this.rejected.length = 0;
    this.requests.length = 0;
  }

  /** Faults off, records cleared; tokens and extra statuses stay. */
  reset(): void {
    this.faults = noFaults();
    this.clearRecords();
  }
}
