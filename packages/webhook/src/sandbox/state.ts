/**
 * What the webhook receiver sandbox remembers and which faults it is told to produce. Shared by
 * the in-process controls and the `/_sandbox/*` HTTP controls.
 */
export interface Verification {
  /** `Webhook.verify` of the standardwebhooks package accepted it. */
  library: boolean;
  /** The hand-written check (verify-by-hand.ts) accepted it. */
  manual: boolean;
  /** Name of the secret that verified (the env var name the sandbox was given). */
  secretName?: string;
  problem?: string;
}

/** A request that passed the faults and reached the receiver. */
export interface ReceivedWebhook {
  at: number;
  path: string;
  webhookId: string;
  timestamp: string;
  /** Number of `v1,` signatures sent (2 while a secret is being rotated). */
  signatures: number;
  verification: Verification;
  /** 1 for the first delivery of this webhook-id, 2 for its first repeat … */
  seen: number;
  userAgent?: string;
  contentType?: string;
  body: unknown;
}

/** Every request, faults included, in arrival order. */
export interface ReceiverRequest {
  at: number;
  path: string;
  webhookId?: string;
  timestamp?: string;
  answer: number | 'hang';
}

export interface ReceiverFaults {
  /** Next N requests: 429, with this Retry-After (none when null). */
  rateLimit: { remaining: number; retryAfter: string | null };
  /** Next N requests: this status (500 by default). */
  serverError: { remaining: number; status: number };
  /** Next N requests: 410 Gone. */
  gone: { remaining: number };
  /** Next N requests: no answer until the sandbox closes. */
  hang: { remaining: number };
  /** Next N requests: 307 to this Location. */
  redirect: { remaining: number; location: string };
}

export interface FaultRequest {
  rateLimit?: { count: number; retryAfter?: string | number | null };
  serverError?: { count: number; status?: number };
  gone?: { count: number };
  hang?: { count?: number };
  redirect?: { count: number; location?: string };
}

function noFaults(): ReceiverFaults {
  return {
    rateLimit: { remaining: 0, retryAfter: null },
    serverError: { remaining: 0, status: 500 },
    gone: { remaining: 0 },
    hang: { remaining: 0 },
    redirect: { remaining: 0, location: '/moved' },
  };
}

export class WebhookReceiverState {
  /** Secrets it verifies with, by name (e.g. the env var the worker reads it from). */
  readonly secrets: Map<string, string>;
  /** Verified requests, the first of each webhook-id only (repeats are counted in seenIds). */
  readonly received: ReceivedWebhook[] = [];
  /** Requests whose signature did not verify (answered 401). */
  readonly rejected: ReceivedWebhook[] = [];
  readonly requests: ReceiverRequest[] = [];
  /** webhook-id → times a verified request carried it (a receiver's de-duplication table). */
  readonly seenIds = new Map<string, number>();
  faults: ReceiverFaults = noFaults();

  constructor(secrets: Record<string, string> = {}) {
    this.secrets = new Map(Object.entries(secrets));
  }

  /** Verified requests that repeated an id already processed (what de-duplication absorbed). */
  get duplicates(): number {
    let repeats = 0;
    for (const count of this.seenIds.values()) repeats += count - 1;
    return repeats;
  }

  rateLimitNext(count: number, retryAfter: string | number | null = 1): void {
    this.faults.rateLimit = { remaining: count, retryAfter: retryAfter === null ? null : String(retryAfter) };
  }

  failNext(count: number, status = 500): void {
    this.faults.serverError = { remaining: count, status };
  }

  goneNext(count: number): void {
    this.faults.gone = { remaining: count };
  }

  hangNext(count = Number.POSITIVE_INFINITY): void {
    this.faults.hang = { remaining: count };
  }

  redirectNext(count: number, location = '/moved'): void {
    this.faults.redirect = { remaining: count, location };
  }

  applyFaults(request: FaultRequest): void {
    if (request.rateLimit) this.rateLimitNext(request.rateLimit.count, request.rateLimit.retryAfter === undefined ? 1 : request.rateLimit.retryAfter);
    if (request.serverError) this.failNext(request.serverError.count, request.serverError.status);
    if (request.gone) this.goneNext(request.gone.count);
    if (request.hang) this.hangNext(request.hang.count);
    if (request.redirect) this.redirectNext(request.redirect.count, request.redirect.location);
  }

  clearRecords(): void {
    this.received.length = 0;
    this.rejected.length = 0;
    this.requests.length = 0;
    this.seenIds.clear();
  }

  /** Faults off, records cleared; secrets stay. */
  reset(): void {
    this.faults = noFaults();
    this.clearRecords();
  }
}

/** Problems with a fault request from the HTTP controls (empty: valid). */
export function checkFaultRequest(request: unknown): string[] {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return ['body must be a JSON object'];
  const faults = request as Record<string, Record<string, unknown> | undefined>;
  const problems: string[] = [];
  const count = (value: unknown, what: string): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) problems.push(`${what}.count must be an integer >= 0`);
  };
  for (const name of Object.keys(faults)) {
    if (!['rateLimit', 'serverError', 'gone', 'hang', 'redirect'].includes(name)) problems.push(`unknown fault ${name}`);
  }
  if (faults.rateLimit) count(faults.rateLimit.count, 'rateLimit');
  if (faults.serverError) {
    count(faults.serverError.count, 'serverError');
    const status = faults.serverError.status;
    if (status !== undefined && (typeof status !== 'number' || status < 400 || status > 599)) problems.push('serverError.status must be 400..599');
  }
  if (faults.gone) count(faults.gone.count, 'gone');
  if (faults.hang && faults.hang.count !== undefined) count(faults.hang.count, 'hang');
  if (faults.redirect) {
    count(faults.redirect.count, 'redirect');
    if (faults.redirect.location !== undefined && typeof faults.redirect.location !== 'string') problems.push('redirect.location must be a string');
  }
  return problems;
}
