import net from 'node:net';
import { eventJson } from '@status-bridge/testing';
import { closeAllClusters, Cluster, finishScenario, INBOUND_AUTH, Load, planChanges } from './harness';

/**
 * Scenario 14: clients that trickle their body (a slow or malicious sender) must not hold ingest
 * connections for minutes: past the configured bound they are answered 408 or closed, while ingest
 * keeps serving the real load.
 *
 * The variables are INGEST_REQUEST_TIMEOUT_MS and INGEST_HEADERS_TIMEOUT_MS, as the ingest
 * hardening names them (with a short connectionsCheckingInterval); before it is merged ingest
 * ignores them and Node's defaults apply (300 s per request, checked every 30 s).
 */
afterEach(closeAllClusters);

const REQUEST_TIMEOUT_MS = 2_000;
// 5× the configured bound: what a slow client may take to be cut off on a busy machine.
const CUT_OFF_WITHIN_MS = 5 * REQUEST_TIMEOUT_MS;
const SLOW_CLIENTS = 10;

interface SlowClientResult {
  /** Status line's code when ingest answered, else undefined. */
  httpStatus?: number;
  /** Ms from the first byte sent until ingest answered or closed; undefined when still open at the bound. */
  endedAfterMs?: number;
}

/** Sends headers at once, then the body one byte every 500 ms; stops at the bound. */
function slowClient(port: number): Promise<SlowClientResult> {
  const body = Buffer.from(eventJson());
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    let answer = '';
    let sent = 0;
    let done = false;
    const finish = (result: SlowClientResult): void => {
      if (done) return;
      done = true;
      clearInterval(trickle);
      clearTimeout(bound);
      socket.destroy();
      resolve(result);
    };
    const ended = (): void => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      finish({ httpStatus: status ? Number(status) : undefined, endedAfterMs: Date.now() - started });
    };
    socket.on('connect', () => {
      socket.write(
        `POST /icims/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${INBOUND_AUTH}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
    });
    const trickle = setInterval(() => {
      if (sent < body.length && !socket.destroyed) socket.write(body.subarray(sent, ++sent));
    }, 500);
    const bound = setTimeout(() => finish({}), CUT_OFF_WITHIN_MS);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n\r\n')) ended();
    });
    socket.on('close', ended);
    socket.on('error', () => undefined);
  });
}

test('slow body: clients trickling their body are answered 408 (or closed) within the configured bound; the real load is served', async () => {
  const cluster = await Cluster.start({
    label: 'slow-body',
    applications: 60,
    ingestEnv: { INGEST_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), INGEST_HEADERS_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
  });
  const plan = planChanges(cluster.applications);
  const [slow, posted] = await Promise.all([Promise.all(Array.from({ length: SLOW_CLIENTS }, () => slowClient(cluster.ingestPort))), new Load(cluster).run(plan)]);
  const open = slow.filter((client) => client.endedAfterMs === undefined);
  const answered = slow.filter((client) => client.httpStatus !== undefined);
  const slowest = Math.max(...slow.map((client) => client.endedAfterMs ?? CUT_OFF_WITHIN_MS));
  const outcome = await finishScenario(cluster, posted, { id: 'slow-body', title: `Slow body: ${SLOW_CLIENTS} clients trickle 1 byte / 500 ms (INGEST_REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}) during a burst` }, {
    violations: [
      ...(open.length > 0 ? [`${open.length} slow client(s) still connected after ${CUT_OFF_WITHIN_MS / 1000} s`] : []),
      ...answered.filter((client) => client.httpStatus !== 408).map((client) => `slow client answered ${client.httpStatus} (expected 408 or a closed connection)`),
    ],
    notes: [
      `slow clients: ${answered.filter((client) => client.httpStatus === 408).length} answered 408, ${slow.length - answered.length - open.length} closed, ${open.length} still open at ${CUT_OFF_WITHIN_MS / 1000} s; slowest cut off after ${(slowest / 1000).toFixed(1)} s`,
    ],
  });
  expect(outcome.violations).toEqual([]);
});
