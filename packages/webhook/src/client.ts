import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { PermanentError, USER_AGENT } from '@status-bridge/core';
import type { Webhook } from 'standardwebhooks';
import { classifyWebhookAnswer, type WebhookAnswer } from './classify';

/**
 * Sends one signed webhook request. Knows HTTP and Standard Webhooks, nothing of queues: it returns
 * on a 2xx and throws PermanentError / RetryableError / RateLimitedError (see classify.ts).
 *
 * node:http rather than axios: it never follows redirects (a redirect would carry the signed
 * payload somewhere nobody configured), and it lets us stop reading an answer after a few KiB.
 */
export interface WebhookClientOptions {
  /** Hard deadline of one request: connect, send, status and (bounded) answer. */
  timeoutMs: number;
  defaultRetryAfterMs: number;
  maxRetryAfterMs: number;
  /** Keep-alive sockets per origin. */
  maxSockets?: number;
  /** Bytes of an answer we read at most; the rest is dropped with the socket. */
  maxAnswerBytes?: number;
}

export interface WebhookTarget {
  tenantId: string;
  /** The endpoint's name in the tenants file (named in errors instead of its URL). */
  endpoint: string;
  url: string;
  secretEnv: string;
  /** The current secret's signer first, then the one being rotated out, if any. */
  signers: readonly Webhook[];
}

export interface WebhookMessage {
  /** `webhook-id`: the same on every attempt of one delivery. */
  webhookId: string;
  /** The JSON body exactly as signed and sent. */
  body: string;
}

export interface WebhookSendResult {
  httpStatus: number;
  /** `webhook-timestamp` of this attempt (seconds). */
  timestamp: number;
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const DEFAULT_MAX_ANSWER_BYTES = 4096;

export class WebhookClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly options: WebhookClientOptions) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 50 };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /**
   * Signs and POSTs one message. The timestamp is taken per attempt (receivers reject old ones,
   * Standard Webhooks' replay protection); the id and body are the caller's, stable across retries.
   * `signal` (the worker's shutdown) cancels the request like the deadline does.
   */
  async send(target: WebhookTarget, message: WebhookMessage, signal?: AbortSignal): Promise<WebhookSendResult> {
    const url = new URL(target.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new PermanentError(`webhook endpoint ${target.endpoint} has a URL that is not http(s)`, { partner: 'webhook', tenantId: target.tenantId, code: 'INVALID_URL' });
    }
    if (target.signers.length === 0) throw new Error(`webhook endpoint ${target.endpoint}: no signing secret`);
    const sentAt = new Date();
    const timestamp = Math.floor(sentAt.getTime() / 1000);
    // Rotation: one signature per secret, space-delimited; a receiver accepts any that verifies.
    const signature = target.signers.map((signer) => signer.sign(message.webhookId, sentAt, message.body)).join(' ');
    const body = Buffer.from(message.body, 'utf8');
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const classifyBase: WebhookAnswer = {
      tenantId: target.tenantId,
      endpoint: target.endpoint,
      secretEnv: target.secretEnv,
      defaultRetryAfterMs: this.options.defaultRetryAfterMs,
      maxRetryAfterMs: this.options.maxRetryAfterMs,
    };

    // One signal for the request: the deadline or the caller's. Combined by hand, and the listener
    // removed afterwards, because the caller's signal may live as long as the worker.
    const cancel = new AbortController();
    const abort = (): void => cancel.abort();
    deadline.addEventListener('abort', abort, { once: true });
    signal?.addEventListener('abort', abort, { once: true });
    if (signal?.aborted) cancel.abort();

    let answer: RawAnswer;
    try {
      answer = await this.post(url, body, {
        'Content-Type': 'application/json',
        'Content-Length': String(body.length),
        'User-Agent': USER_AGENT,
        'webhook-id': message.webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      }, cancel.signal);
    } catch (error) {
      // No answer. Only the code and a short text go on: never the URL, headers or body.
      const { code, message: text } = error as { code?: string; message?: string };
      if (deadline.aborted) throw classifyWebhookAnswer({ ...classifyBase, networkCode: 'ETIMEDOUT', networkMessage: `no answer within ${this.options.timeoutMs} ms` });
      if (signal?.aborted) throw classifyWebhookAnswer({ ...classifyBase, networkCode: 'ABORTED', networkMessage: 'cancelled: the worker is shutting down' });
      throw classifyWebhookAnswer({ ...classifyBase, networkCode: code, networkMessage: code ?? text });
    } finally {
      deadline.removeEventListener('abort', abort);
      signal?.removeEventListener('abort', abort);
    }
    const header = (name: string): string | undefined => {
      const value = answer.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const classified = classifyWebhookAnswer({
      ...classifyBase,
      httpStatus: answer.status,
      body: answer.body,
      retryAfter: header('retry-after'),
      location: header('location'),
    });
    if (classified) throw classified;
    return { httpStatus: answer.status, timestamp };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private post(url: URL, body: Buffer, headers: Record<string, string>, signal: AbortSignal): Promise<RawAnswer> {
    const maxBytes = this.options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
    const transport = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
    return new Promise((resolve, reject) => {
      let answered = false;
      const request = transport.request(url, { method: 'POST', agent, headers, signal }, (response) => {
        // The status is the answer; a body cut short (deadline, reset, too long) does not change it.
        answered = true;
        void readBounded(response, maxBytes).then((text) => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      });
      request.on('error', (error) => {
        if (!answered) reject(error);
      });
      request.end(body);
    });
  }
}

/**
 * Reads at most `maxBytes` of an answer and resolves with them as text, whatever happens: end,
 * too long (the socket is dropped rather than drained), error or abort. Never rejects.
 */
export function readBounded(response: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'));
    };
    response.on('data', (chunk: Buffer) => {
      if (done) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) {
        finish();
        response.destroy();
      }
    });
    response.on('end', finish);
    response.on('error', finish);
    response.on('close', finish);
  });
}
