import http from 'node:http';
import { listen } from './http-listen';

/**
 * Serving a development stand-in (a partner's or iCIMS's sandbox): here rather than in one sandbox
 * package, because every partner package carries its own sandbox and none may import another.
 */
export interface ListeningSandbox {
  /** Base URL (loopback when listening on every interface). */
  url: string;
  /** Stops listening, ending hung answers and open keep-alive connections, so tests exit at once. */
  close(): Promise<void>;
}

/** Serves a sandbox app on host:port (port 0: any free one). `hung` holds answers a fault keeps open. */
export async function listenSandbox(app: http.RequestListener, options: { host?: string; port?: number }, hung: Set<{ destroy(): unknown }>): Promise<ListeningSandbox> {
  const server = http.createServer(app);
  const url = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
