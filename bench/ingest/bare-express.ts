import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

/**
 * The baseline of the ingest benchmark: a bare Express 5 endpoint that parses JSON with
 * express.json() (which also inflates gzip/deflate) and answers 200. Default Express settings,
 * as a first cut of any Express service would have them.
 */
const app = express();
app.use(express.json());
app.post('/icims/events', (_req, res) => {
  res.status(200).json({ ok: true });
});
const server = http.createServer(app);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ message: 'ready', url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
