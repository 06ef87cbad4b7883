import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { PermanentError, USER_AGENT } from '@status-bridge/core';
import { classifyStepStoneAnswer } from './classify';
import { allowedStatuses, validateStatusMessage, type AtsiStatusMessage } from './message';

/**
 * HTTP client for the ATSi Application Status service. Knows HTTP and the contract, nothing of
 * queues: it returns on success and throws PermanentError / RetryableError / RateLimitedError.
 */
export interface StepStoneClientOptions {
  /** Timeout of one request (connect + answer). */
  timeoutMs: number;
  /** Delay for a 429 that carries no usable Retry-After. */
  defaultRetryAfterMs: number;
  /** Cap on any Retry-After. */
  maxRetryAfterMs: number;
  /** Sockets kept per host (keep-alive). */
  maxSockets?: number;
}

/** Where and as whom one tenant's messages are sent. */
export interface StepStoneTarget {
  tenantId: string;
  /** The tenant's status URL (tenant.stepstone.statusUrl, else STEPSTONE_STATUS_URL). */
  url: string;
  /** X-AtsiToken value. */
  token: string;
  /** Env var the token came from: named in errors instead of the token. */
  tokenEnv: string;
  /** Statuses this tenant may send beyond the seed's eight. */
  extraStatuses?: readonly string[];
}

export interface StepStoneSendResult {
  httpStatus: number;
}

export class StepStoneClient {
  private readonly http: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly options: StepStoneClientOptions) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 50 };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.http = axios.create({
      timeout: options.timeoutMs,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // A redirect would carry X-AtsiToken to a host nobody configured: never follow one.
      maxRedirects: 0,
      // Every status is classified by classifyStepStoneAnswer, not by axios.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(body: unknown) => body],
      proxy: false,
    });
  }

  /** Sends one status message. Refuses (PermanentError, nothing sent) a message the contract does not allow. */
  async sendStatus(target: StepStoneTarget, message: AtsiStatusMessage): Promise<StepStoneSendResult> {
    const problems = validateStatusMessage(message, allowedStatuses(target.extraStatuses));
    if (problems.length > 0) {
      throw new PermanentError(`refused to send an invalid StepStone message: ${problems.join('; ')}`, {
        partner: 'stepstone',
        tenantId: target.tenantId,
        code: 'INVALID_MESSAGE',
      });
    }
    const answer = { tenantId: target.tenantId, tokenEnv: target.tokenEnv, defaultRetryAfterMs: this.options.defaultRetryAfterMs, maxRetryAfterMs: this.options.maxRetryAfterMs };
    let response;
    try {
      response = await this.http.post<string>(target.url, JSON.stringify(message), {
        // axios's `timeout` is a socket-idle timer; this bounds the whole request, so a partner
        // that trickles bytes cannot hold a worker slot longer than STEPSTONE_REQUEST_TIMEOUT_MS.
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'User-Agent': USER_AGENT,
          'X-AtsiToken': target.token,
        },
      });
    } catch (error) {
      // No response: timeout, refused, reset, DNS. Only the code and axios's text go on; the
      // axios error itself holds the request headers (the token) and is dropped here.
      const { code, message: text } = error as { code?: string; message?: string };
      const timedOut = code === 'ECONNABORTED' || code === 'ERR_CANCELED' || code === 'ETIMEDOUT';
      throw classifyStepStoneAnswer({
        ...answer,
        networkCode: timedOut ? 'ETIMEDOUT' : code,
        networkMessage: timedOut ? `no answer within ${this.options.timeoutMs} ms` : text,
      });
    }
    const retryAfter = response.headers['retry-after'];
    const classified = classifyStepStoneAnswer({
      ...answer,
      httpStatus: response.status,
      body: typeof response.data === 'string' ? response.data : undefined,
      retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
    });
    if (classified) throw classified;
    return { httpStatus: response.status };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
