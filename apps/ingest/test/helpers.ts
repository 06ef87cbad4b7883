import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { Queue } from 'bullmq';
import { createLogger, type EnrichJob, type Logger } from '@status-bridge/core';
import { QUEUES } from '@status-bridge/partners';
import { basicAuth } from '@status-bridge/testing';

/** Secrets of the test tenants file; tests assert none of them ever reaches a log line. */
export const SECRETS = {
  SB_TEST_DEFAULT_PASSWORD: 'default-password-9f1c',
  SB_TEST_DEFAULT_CLIENT_SECRET: 'default-client-secret-77aa',
  SB_TEST_1234_PASSWORD: 'tenant-1234-password-3e5d',
  SB_TEST_1234_CLIENT_SECRET: 'tenant-1234-client-secret-b0c4',
  SB_TEST_5678_PASSWORD: 'tenant-5678-password-8a2f',
  SB_TEST_5678_CLIENT_SECRET: 'tenant-5678-client-secret-61de',
};

export const EU_API_BASE_URL = 'https://api-eu.icims.com';

export const TOKEN_SECRET = 'test-token-secret-0123456789abcdef0123';

export const AUTH = {
  tenant1234: basicAuth('icims-1234', SECRETS.SB_TEST_1234_PASSWORD),
  tenant5678: basicAuth('icims-5678', SECRETS.SB_TEST_5678_PASSWORD),
  defaults: basicAuth('icims', SECRETS.SB_TEST_DEFAULT_PASSWORD),
  wrongPassword: basicAuth('icims-1234', 'not-the-password'),
};

/**
 * Tenants: 1234 (the seed's customer) and 5678 with their own Basic and OAuth credentials;
 * 9999 without its own, so the partner-wide default applies; 8888 like 9999, hosted on iCIMS's
 * EU API (`icims.apiBaseUrl`), so its event links must point there.
 */
export function writeTenantsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-ingest-'));
  const path = join(dir, 'tenants.json');
  const own = (id: string) => ({
    basic: { username: `icims-${id}`, passwordEnv: `SB_TEST_${id}_PASSWORD` },
    oauth: { clientId: `icims-${id}`, clientSecretEnv: `SB_TEST_${id}_CLIENT_SECRET` },
  });
  writeFileSync(
    path,
    JSON.stringify({
      defaultInbound: {
        basic: { username: 'icims', passwordEnv: 'SB_TEST_DEFAULT_PASSWORD' },
        oauth: { clientId: 'icims-default', clientSecretEnv: 'SB_TEST_DEFAULT_CLIENT_SECRET' },
      },
      tenants: {
        '1234': { inbound: own('1234'), statusMapping: { '9782': 'interview' } },
        '5678': { inbound: own('5678'), statusMapping: {} },
        '9999': { statusMapping: {} },
        '8888': { icims: { apiBaseUrl: EU_API_BASE_URL, auth: { type: 'basic', username: 'sb', passwordEnv: 'SB_TEST_8888_ICIMS_PASSWORD' } }, statusMapping: {} },
      },
    }),
  );
  return path;
}

export function ingestEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    ...SECRETS,
    PORT: '0',
    HOST: '127.0.0.1',
    INGEST_TOKEN_SECRET: TOKEN_SECRET,
    LOG_LEVEL: 'debug',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...overrides,
  };
}

/** A logger like production's (same redaction), writing JSON lines into `lines`. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger('ingest', 'debug');
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          callback();
        },
      }),
    }),
  );
  return { logger, lines };
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
  ms: number;
}

/** One HTTP request with exactly the given headers (fetch would add and drop some). */
export function request(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${options.path}`, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function postEvent(url: string, body: Buffer | string, headers: Record<string, string>): Promise<HttpAnswer> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return request(url, { path: '/icims/events', body: bytes, headers: { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers } });
}

export function enrichQueue(redisUrl: string, prefix: string): Queue<EnrichJob> {
  const { hostname, port } = new URL(redisUrl);
  return new Queue<EnrichJob>(QUEUES.enrich.name, { connection: { host: hostname, port: Number(port || 6379) }, prefix });
}

/** Jobs in every state of the enrich queue. */
export async function allJobs(queue: Queue<EnrichJob>) {
  return queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
}
