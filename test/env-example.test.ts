import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commonEnvProperties } from '@status-bridge/core';
import { ingestEnvProperties } from '../apps/ingest/src/config';
import { workerEnvProperties } from '../apps/worker/src/config';
import { icimsEnvProperties } from '../apps/worker/src/config/icims';
import { PARTNERS } from '@status-bridge/partners';
import { dashboardEnvProperties } from '../apps/dashboard/src/config';
import { sandboxEnvProperties } from '../packages/sandbox/src/main';

// .env.example is the operators' list of every variable: it must name each one any process reads,
// and every secret the example tenants file references.
const repoRoot = join(__dirname, '..');
const envExample = readFileSync(join(repoRoot, '.env.example'), 'utf8');
const listed = new Set([...envExample.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));

const sections: Record<string, Record<string, unknown>> = {
  common: commonEnvProperties,
  ingest: ingestEnvProperties,
  worker: workerEnvProperties,
  icims: icimsEnvProperties,
  // Every registered partner's variables (PartnerDefinition.env).
  ...Object.fromEntries(PARTNERS.map((partner) => [partner.key, partner.env.properties])),
  dashboard: dashboardEnvProperties,
  sandbox: sandboxEnvProperties,
};

describe('.env.example', () => {
  it.each(Object.entries(sections))('lists every %s variable', (_section, properties) => {
    expect(Object.keys(properties).filter((name) => !listed.has(name))).toEqual([]);
  });

  it('lists every secret config/tenants.example.json references', () => {
    const tenantsText = readFileSync(join(repoRoot, 'config', 'tenants.example.json'), 'utf8');
    const secrets = [...tenantsText.matchAll(/"[a-zA-Z]+Env":\s*"([A-Z0-9_]+)"/g)].map((match) => match[1]);
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.filter((name) => !listed.has(name))).toEqual([]);
  });
});
