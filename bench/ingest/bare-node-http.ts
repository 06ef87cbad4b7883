import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The physical limit of the ingest benchmark: what Node itself answers on this machine. A bare
 * node:http server that reads the whole body and answers a small JSON; no parsing, no checks.
 */
const REPLY = Buffer.from('{"ok":true}');
const server = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': REPLY.length });
    res.end(REPLY);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ message: 'ready', url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
