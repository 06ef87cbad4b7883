import express, { Router } from 'express';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '@status-bridge/testing';
import type { RouterMount } from '../src/app';
import { loadIngestConfig } from '../src/config';
import { startIngest, type RunningIngest } from '../src/server';
import { AUTH, captureLogger, ingestEnv, request, writeTenantsFile } from './helpers';

/**
 * An extra router mounted the way routes/extra.ts describes (e.g. StepStone's
 * PUT /stepstone/applications/:customerId/:systemId), authenticated with the same per-tenant
 * inbound credentials as POST /icims/events, customerId taken from the path.
 */
const prefix = uniquePrefix('ingest-mounts');
let ingest: RunningIngest;

const echoRoute: RouterMount = ({ requireInboundAuth }) =>
  Router().put('/test-mount/:customerId/:systemId', express.json(), requireInboundAuth(), (req, res) => {
    res.status(200).json({ customerId: res.locals.customerId, systemId: req.params.systemId });
  });

beforeAll(async () => {
  const config = loadIngestConfig(ingestEnv({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, CONFIG_FILE: writeTenantsFile() }));
  ingest = await startIngest(config, captureLogger().logger, { mounts: [echoRoute] });
});

afterAll(async () => {
  await ingest.stop();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

const put = (path: string, authorization?: string) =>
  request(ingest.url, { method: 'PUT', path, body: '{}', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) } });

it.each<[string, string, string | undefined, number]>([
  ["the tenant's own credentials", '/test-mount/1234/2203', AUTH.tenant1234, 200],
  ["another tenant's credentials", '/test-mount/1234/2203', AUTH.tenant5678, 401],
  ['no credentials', '/test-mount/1234/2203', undefined, 401],
  ['default credentials for a default tenant', '/test-mount/9999/1', AUTH.defaults, 200],
  ['valid credentials, unknown customer', '/test-mount/4242/1', AUTH.defaults, 400],
  ['a non-numeric customerId', '/test-mount/abc/1', AUTH.tenant1234, 401],
])('admits or refuses by tenant: %s → %i', async (_label, path, authorization, status) => {
  const answer = await put(path, authorization);
  expect(answer.status).toBe(status);
  if (status === 200) expect(answer.json).toEqual({ customerId: path.split('/')[2], systemId: path.split('/')[3] });
  else expect(answer.json.error.userMessage).toEqual(expect.any(String));
});

it('still serves the built-in routes and answers 404 elsewhere', async () => {
  expect((await request(ingest.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
  expect((await request(ingest.url, { method: 'GET', path: '/nothing-here' })).status).toBe(404);
});
