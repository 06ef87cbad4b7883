import type { RedisConnection } from '@status-bridge/core';
import { PermanentError, RateLimitedError, RetryableError } from '@status-bridge/core';
import type { IcimsTenantAccess } from './client';
import { readUser, USER_FIELDS, type IcimsRecord, type IcimsUser } from './records';
import { SingleFlight } from './single-flight';
import { UserCache, type CachedUser } from './user-cache';

/**
 * The acting user of an event (its userId: the recruiter who changed the status), read only when
 * a partner asks for it. The actor is optional data: a user we cannot read never fails or blocks
 * the event. Its partners name a fallback party instead, and the caller counts the reason.
 *
 *   found            → the user's name and email (USER_FIELDS only)
 *   404              → `not_found` (no such user, or hidden from the integration user: iCIMS
 *                      answers 404 for both); cached like a found user
 *   5xx, timeout, network, another refusal → `read_error`, not cached (the next event tries again).
 *                      Not retried: a retry of the enrichment would read the workflow and person
 *                      again, and a long iCIMS fault would hold the delivery back for hours.
 *   429 or the tenant's closed back-off gate, an abort at shutdown, a Redis failure → thrown: the
 *                      whole event waits or is retried, as for the other records.
 */
export type ActorRead = { found: true; user: IcimsUser } | { found: false; reason: 'not_found' } | { found: false; reason: 'read_error'; detail: string };

export interface ActorRequest {
  /** Checked by the link allow-list or built from the origin, the customer and the userId. */
  url: string;
  id: string;
  signal?: AbortSignal;
}

/** What the event learnt before it reserved budget: the cache's answer, or a read already running in this process. */
export interface ActorLookup {
  cached?: CachedUser;
  running?: Promise<CachedUser>;
}

type GetRecord = (access: IcimsTenantAccess, request: { url: string; fields: readonly string[]; what: string; signal?: AbortSignal }) => Promise<IcimsRecord>;

export const DEFAULT_USER_CACHE_TTL_SECONDS = 86_400;

export class ActorReader {
  readonly users: UserCache;
  private readonly flights = new SingleFlight<CachedUser>();

  constructor(
    redis: RedisConnection,
    prefix: string,
    ttlSeconds: number,
    private readonly getRecord: GetRecord,
  ) {
    this.users = new UserCache(redis, prefix, ttlSeconds);
  }

  /**
   * The cache's answer, read once per event, unless a read of this user is already running in this
   * process: that one is joined unread (else its result could land between our miss and our join).
   */
  async lookup(access: IcimsTenantAccess, customerId: string, request: ActorRequest): Promise<ActorLookup> {
    const running = this.flights.current(this.flightKey(access, customerId, request.id));
    if (running) return { running };
    return { cached: await this.users.get(customerId, request.id) };
  }

  /** 1 when this event will send the user read itself, for the budget reservation. */
  static requestsNeeded(lookup: ActorLookup): number {
    return lookup.cached || lookup.running ? 0 : 1;
  }

  /**
   * The actor, given the lookup. On a miss, concurrent misses for the same user in this process
   * share one request, and the flight ends only after the answer is in the cache.
   */
  async read(access: IcimsTenantAccess, customerId: string, request: ActorRequest, lookup: ActorLookup): Promise<{ actor: ActorRead; fromCache: boolean; requested: boolean }> {
    if (lookup.cached) return { actor: actorOf(request.id, lookup.cached), fromCache: true, requested: false };
    let sent = false;
    try {
      const flight = lookup.running
        ? { value: await lookup.running, shared: true }
        : await this.flights.run(this.flightKey(access, customerId, request.id), async () => {
            sent = true;
            const entry = await this.fetch(access, request);
            await this.users.set(customerId, request.id, entry);
            return entry;
          });
      return { actor: actorOf(request.id, flight.value), fromCache: false, requested: !flight.shared };
    } catch (error) {
      if (!isFallbackError(error)) throw error;
      // What iCIMS answered, for the log line: a status or a network code, never a body.
      const { httpStatus, code } = (error as PermanentError | RetryableError).details;
      return { actor: { found: false, reason: 'read_error', detail: httpStatus ? `HTTP ${httpStatus}` : (code ?? 'error') }, fromCache: false, requested: sent };
    }
  }

  private async fetch(access: IcimsTenantAccess, request: ActorRequest): Promise<CachedUser> {
    try {
      return { found: true, record: await this.getRecord(access, { url: request.url, fields: USER_FIELDS, what: `user ${request.id} (people)`, signal: request.signal }) };
    } catch (error) {
      if (error instanceof PermanentError && error.details.httpStatus === 404) return { found: false };
      throw error;
    }
  }

  private flightKey(access: IcimsTenantAccess, customerId: string, userId: string): string {
    return JSON.stringify([access.tenantId, this.users.key(customerId, userId)]);
  }
}

function actorOf(userId: string, entry: CachedUser): ActorRead {
  return entry.found ? { found: true, user: readUser(userId, entry.record) } : { found: false, reason: 'not_found' };
}

/** iCIMS answers that end in the fallback party; limits, aborts and anything not from iCIMS (Redis) are thrown. */
function isFallbackError(error: unknown): boolean {
  if (error instanceof RateLimitedError) return false;
  if (error instanceof RetryableError) return error.details.code !== 'ABORTED';
  return error instanceof PermanentError;
}
