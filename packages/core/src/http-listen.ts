import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts a server on host:port (port 0: any free port) and returns the URL it can be reached at
 * from this machine (loopback when it listens on every interface), for the process's "ready" line.
 */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: bound } = server.address() as AddressInfo;
      const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve(`http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${bound}`);
    });
  });
}
