import { sectionEnabled, type PartnerSandboxDefinition } from '@status-bridge/core';
import type { StepStoneSection } from './section';

/**
 * The StepStone stand-in for `npm start`, the demo and tests (PartnerDefinition.sandbox). It
 * accepts the X-AtsiToken of every tenant that delivers to StepStone and their extra statuses.
 * The sandbox code is loaded only when it starts: a worker never carries it.
 */
export const stepstoneSandbox: PartnerSandboxDefinition = {
  defaultPort: 4020,
  liveEnv: ['STEPSTONE_STATUS_URL'],
  async start({ host, port, tenants, secret }) {
    const { start } = await import('./sandbox');
    const sections = tenants.map(({ section }) => section as StepStoneSection).filter((section) => sectionEnabled(section));
    const sandbox = await start({
      host,
      port,
      tokens: sections.map((section) => secret(section.tokenEnv)),
      extraStatuses: [...new Set(sections.flatMap((section) => section.extraStatuses ?? []))],
    });
    return {
      url: sandbox.url,
      workerEnv: { STEPSTONE_STATUS_URL: sandbox.seedStatusUrl },
      received: async () => sandbox.received.map(({ at, path, body }) => ({ at, path, body })),
      close: () => sandbox.close(),
    };
  },
  async describeReceived(url, sinceMs) {
    const response = await fetch(`${url}/_sandbox/received`);
    if (!response.ok) throw new Error(`GET ${url}/_sandbox/received answered ${response.status}`);
    const { received, rejected } = (await response.json()) as { received: Array<{ at: number; path: string; body: unknown }>; rejected: Array<{ at: number; httpStatus: number; reason: string }> };
    const accepted = received.filter((item) => item.at >= sinceMs);
    return [
      ...(accepted.length === 0 ? ['nothing'] : accepted.map((item) => `POST ${item.path}  ${JSON.stringify(item.body)}`)),
      ...rejected.filter((item) => item.at >= sinceMs).map((item) => `refused (${item.httpStatus}): ${item.reason}`),
    ];
  },
};
