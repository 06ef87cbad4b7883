import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { httpRequest, HttpRequestError, jsonOrText } from '../src/http-request';

/** Core's HTTP request on node:http, against a real local server. */
let server: http.Server;
let origin: string;
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
const seen: Array<{ method?: string; url?: string; authorization?: string; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
      if (req.url === '/redirect') return void res.writeHead(302, { location: 'http://127.0.0.1:1/steal' }).end();
      if (req.url === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 2_000);
      if (req.url === '/big') return void res.writeHead(200).end('x'.repeat(5_000));
      if (req.url === '/limited') return void res.writeHead(429, { 'retry-after': '3', 'content-type': 'application/json' }).end('{"error":"slow down"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: body, url: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  agents.http.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const base = { headers: { Authorization: 'Bearer secret-token' }, timeoutMs: 1_000, agents };

test('sends method, URL, headers and body; answers status, headers and text, any status an answer', async () => {
  const answer = await httpRequest({ ...base, method: 'POST', url: `${origin}/things?fields=a,b`, body: '{"n":1}' });
  expect(answer.status).toBe(200);
  expect(jsonOrText(answer.body)).toEqual({ echo: '{"n":1}', url: '/things?fields=a,b' });
  expect(seen.at(-1)).toMatchObject({ method: 'POST', authorization: 'Bearer secret-token' });
  const limited = await httpRequest({ ...base, method: 'GET', url: `${origin}/limited` });
  expect({ status: limited.status, retryAfter: limited.headers['retry-after'], body: jsonOrText(limited.body) }).toEqual({ status: 429, retryAfter: '3', body: { error: 'slow down' } });
  expect(jsonOrText('not json')).toBe('not json');
});

test('never follows a redirect (it could carry the credentials elsewhere)', async () => {
  const before = seen.length;
  const answer = await httpRequest({ ...base, method: 'GET', url: `${origin}/redirect` });
  expect(answer.status).toBe(302);
  expect(seen.length).toBe(before + 1);
});

test('failures carry the codes the classifiers read, and never the credentials', async () => {
  const failure = async (request: Parameters<typeof httpRequest>[0]): Promise<HttpRequestError> => {
    try {
      await httpRequest(request);
    } catch (error) {
      return error as HttpRequestError;
    }
    throw new Error('expected a failure');
  };
  const timedOut = await failure({ ...base, method: 'GET', url: `${origin}/slow`, timeoutMs: 200 });
  expect(timedOut).toMatchObject({ code: 'ECONNABORTED' });
  const aborted = new AbortController();
  const cancelled = failure({ ...base, method: 'GET', url: `${origin}/slow`, signal: aborted.signal });
  aborted.abort();
  expect(await cancelled).toMatchObject({ code: 'ERR_CANCELED' });
  expect(await failure({ ...base, method: 'GET', url: `${origin}/big`, maxBodyBytes: 1_000 })).toMatchObject({ code: 'ERR_BAD_RESPONSE' });
  const refused = await failure({ ...base, method: 'GET', url: 'http://127.0.0.1:1/' });
  expect(refused.code).toBe('ECONNREFUSED');
  for (const error of [timedOut, refused]) expect(JSON.stringify({ ...error, message: error.message })).not.toContain('secret-token');
});
