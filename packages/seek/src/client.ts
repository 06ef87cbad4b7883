import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { PermanentError, RateLimitedError, RetryableError, USER_AGENT, type Logger, type PartnerErrorDetails } from '@status-bridge/core';
import { classifyNetworkFailure, classifySeekAnswer, type SeekClassification } from './classify';
import { SEEK_DOCUMENTS, type SeekOperationName } from './documents';
import type { SeekTokenSource } from './token';
import type {
  CreateProcessHistoryItemInput,
  CreateProcessHistoryItemResult,
  UpdatedProcessHistoryItemInput,
  UploadCandidateInput,
  UploadCandidateResult,
} from './types';

/**
 * The SEEK GraphQL client: knows HTTP and GraphQL, nothing of queues. Every request carries the
 * headers SEEK asks of partners (developer.seek.com/graphql/in-practice): a Bearer partner token,
 * `Content-Type: application/json`, `User-Agent: status-bridge/<version>`, a fresh
 * `X-Request-Id` per attempt and a stable `X-Session-Id` per job, so SEEK support can follow
 * one job's retries. Failures become core's typed errors (see classify.ts).
 */
export interface SeekClientOptions {
  graphqlUrl: string;
  tokens: SeekTokenSource;
  /** Timeout of one request (SEEK_REQUEST_TIMEOUT_MS). */
  timeoutMs: number;
  logger?: Logger;
  http?: AxiosInstance;
}

export interface SeekCallContext {
  /** Stable per job (X-Session-Id). */
  sessionId: string;
  /** For error details and logs. */
  tenantId?: string;
}

export class SeekClient {
  private readonly http: AxiosInstance;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(private readonly options: SeekClientOptions) {
    this.http = options.http ?? axios.create({ httpAgent: this.agents.http, httpsAgent: this.agents.https });
  }

  /**
   * Runs one operation and returns its `data`. On UNAUTHENTICATED the token is dropped and the
   * request retried once with a new one ("Limit such behaviour to a single retry",
   * developer.seek.com/graphql/error-responses); a second UNAUTHENTICATED is permanent.
   */
  async execute(operation: SeekOperationName, variables: Record<string, unknown>, context: SeekCallContext): Promise<Record<string, unknown>> {
    let token = await this.options.tokens.get();
    let result = await this.attempt(operation, variables, context, token);
    if (result.kind === 'unauthenticated') {
      await this.options.tokens.invalidate(token);
      token = await this.options.tokens.get();
      result = await this.attempt(operation, variables, context, token);
      if (result.kind === 'unauthenticated') {
        throw new PermanentError(`SEEK ${operation}: token rejected again after one refresh`, this.details(result, context));
      }
    }
    switch (result.kind) {
      case 'ok':
        return result.data;
      case 'rate_limited':
        throw new RateLimitedError(`SEEK ${operation}: asked to wait ${result.delayMs} ms`, this.details(result, context), result.delayMs);
      case 'permanent':
        throw new PermanentError(`SEEK ${operation} rejected`, this.details(result, context));
      case 'retryable':
        throw new RetryableError(`SEEK ${operation} failed`, this.details(result, context));
    }
  }

  async uploadCandidate(input: UploadCandidateInput, context: SeekCallContext): Promise<UploadCandidateResult> {
    const data = await this.execute('UploadCandidate', { input }, context);
    const payload = data.uploadCandidate as { __typename?: string; candidate?: CandidateSelection; conflictingCandidate?: CandidateSelection } | null;
    const conflict = payload?.__typename === 'UploadCandidatePayload_Conflict';
    const candidate = conflict ? payload?.conflictingCandidate : payload?.candidate;
    const documentId = candidate?.documentId?.value;
    // Uploaded candidates have a single profile (schema, Candidate.profiles).
    const profileId = candidate?.profiles?.[candidate.profiles.length - 1]?.profileId?.value;
    if (!documentId || !profileId) throw this.malformed('UploadCandidate', payload?.__typename, context);
    return { documentId, profileId, conflict };
  }

  async createProcessHistoryItem(input: CreateProcessHistoryItemInput, context: SeekCallContext): Promise<CreateProcessHistoryItemResult> {
    const data = await this.execute('CreateCandidateProcessHistoryItem', { input }, context);
    const payload = data.createCandidateProcessHistoryItem as {
      __typename?: string;
      candidateProcessHistoryItem?: ItemSelection;
      conflictingCandidateProcessHistoryItem?: ItemSelection;
    } | null;
    const conflict = payload?.__typename === 'CreateCandidateProcessHistoryItemPayload_Conflict';
    const itemId = (conflict ? payload?.conflictingCandidateProcessHistoryItem : payload?.candidateProcessHistoryItem)?.id?.value;
    if (!itemId) throw this.malformed('CreateCandidateProcessHistoryItem', payload?.__typename, context);
    return { itemId, conflict };
  }

  /** Replaces an item in its entirety (SEEK has no partial update). Returns null when SEEK returns no item. */
  async updateProcessHistoryItem(item: UpdatedProcessHistoryItemInput, context: SeekCallContext): Promise<string | null> {
    const data = await this.execute('UpdateCandidateProcessHistoryItem', { input: { candidateProcessHistoryItem: item } }, context);
    return (data.updateCandidateProcessHistoryItem as { candidateProcessHistoryItem?: ItemSelection } | null)?.candidateProcessHistoryItem?.id?.value ?? null;
  }

  async deleteProcessHistoryItem(itemId: string, context: SeekCallContext): Promise<string | null> {
    const data = await this.execute('DeleteCandidateProcessHistoryItem', { input: { candidateProcessHistoryItem: { id: itemId } } }, context);
    return (data.deleteCandidateProcessHistoryItem as { candidateProcessHistoryItem?: ItemSelection } | null)?.candidateProcessHistoryItem?.id?.value ?? null;
  }

  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async attempt(operation: SeekOperationName, variables: Record<string, unknown>, context: SeekCallContext, token: string): Promise<SeekClassification> {
    const requestId = randomUUID();
    const started = Date.now();
    let result: SeekClassification;
    try {
      const response = await this.http.post(
        this.options.graphqlUrl,
        { query: SEEK_DOCUMENTS[operation], variables },
        {
          // axios' timeout only bounds socket inactivity; the signal bounds the whole request.
          timeout: this.options.timeoutMs,
          signal: AbortSignal.timeout(this.options.timeoutMs),
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            Accept: 'application/json',
            'User-Agent': USER_AGENT,
            'X-Request-Id': requestId,
            'X-Session-Id': context.sessionId,
          },
          validateStatus: () => true,
          // The partner token only ever goes to the configured host.
          maxRedirects: 0,
          responseType: 'json',
        },
      );
      result = classifySeekAnswer({ httpStatus: response.status, retryAfter: response.headers['retry-after'] as string | undefined, body: response.data });
    } catch (error) {
      const code = networkCode(error);
      result = classifyNetworkFailure(code, `SEEK ${operation} request failed: ${code ?? (error as Error).message}`);
    }
    this.options.logger?.debug('seek request', {
      operation,
      requestId,
      sessionId: context.sessionId,
      tenantId: context.tenantId,
      outcome: result.kind,
      httpStatus: 'httpStatus' in result ? result.httpStatus : undefined,
      code: 'code' in result ? result.code : undefined,
      durationMs: Date.now() - started,
    });
    return result;
  }

  private details(result: Exclude<SeekClassification, { kind: 'ok' }>, context: SeekCallContext): PartnerErrorDetails {
    return { partner: 'seek', tenantId: context.tenantId, httpStatus: result.httpStatus, code: result.code, partnerMessage: result.message || undefined };
  }

  // A success status with a payload that lacks the ids we selected: not something a retry fixes
  // reliably, but retrying is safe (idempotent) and SEEK may have been mid-deploy.
  private malformed(operation: SeekOperationName, typename: string | undefined, context: SeekCallContext): RetryableError {
    return new RetryableError(`SEEK ${operation} answered without the expected ids (payload ${typename ?? 'missing'})`, {
      partner: 'seek',
      tenantId: context.tenantId,
      code: 'MALFORMED_RESPONSE',
    });
  }
}

/** The request's error code; our own abort signal only fires on the timeout, so it is reported as one. */
export function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: string }).code;
  return code === 'ERR_CANCELED' ? 'ETIMEDOUT' : code;
}

interface CandidateSelection {
  documentId?: { value?: string };
  profiles?: Array<{ profileId?: { value?: string } }>;
}

interface ItemSelection {
  id?: { value?: string };
}
